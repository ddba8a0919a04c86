import { describe, expect, it } from 'vitest';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, publicUrlOf } from '../../src/config/load-config.js';
import { ConfigSchema } from '../../src/config/schema.js';

type Setting = TSchema & { env: string; secret: boolean };
const SETTINGS = Object.entries(ConfigSchema.properties) as [string, Setting][];

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

/** A value the setting's schema refuses, derived from its type (undefined when any text is acceptable). */
function badValueFor(s: Setting): string | undefined {
  if (s.type === 'integer') return 'twelve';
  if (s.type === 'boolean') return 'maybe';
  if (s.anyOf) return 'no-such-choice';
  if (s.type === 'array' && s.items?.anyOf) return 'users,no-such-face';
  if (s.type === 'array' && s.items?.pattern) return 'not a valid item';
  if (s.type === 'string' && s.pattern) return 'not valid at all';
  return undefined;
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'sqlite:./data/tessera.db', host: '127.0.0.1', port: 8000, faces: ['users', 'oauth2', 'simple', 'aegis'],
      jwtAlg: 'EdDSA', jwtAudience: 'tessera', accessTokenTtl: 900, refreshTokenTtl: 2_592_000, verifyTokenTtl: 86_400, resetTokenTtl: 3_600,
      requireVerified: false, cookieSecure: true, rateLimits: true, trustedProxies: [], corsOrigins: [], mailFrom: 'Tessera <no-reply@localhost>',
      passwordMinLength: 8, passwordMaxLength: 256, argon2MemoryKib: 19_456, argon2Iterations: 2, argon2Parallelism: 1, logLevel: 'info',
    });
    for (const k of ['publicUrl', 'jwtSecret', 'smtpUrl', 'mailOutbox', 'redisUrl', 'problemBase', 'bootstrapSuperuserEmail', 'bootstrapSuperuserPassword']) {
      expect(c, k).not.toHaveProperty(k);
    }
    expect(publicUrlOf(c)).toBe('http://127.0.0.1:8000');
  });

  it('every setting with a schema default gets it', () => {
    const c = loadConfig({}) as Record<string, unknown>;
    for (const [key, s] of SETTINGS) if (s.default !== undefined) expect(c[key], s.env).toEqual(s.default);
  });

  it('an empty variable counts as unset', () => {
    expect(loadConfig({ TESSERA_PORT: '', TESSERA_FACES: '', TESSERA_COOKIE_SECURE: '' })).toMatchObject({ port: 8000, faces: ['users', 'oauth2', 'simple', 'aegis'], cookieSecure: true });
  });

  it.each(SETTINGS.filter(([, s]) => badValueFor(s) !== undefined).map(([k, s]) => [s.env, k, s] as const))(
    'a bad %s stops the load with an error naming it',
    (env, _key, s) => {
      const err = configError({ [env]: badValueFor(s)! });
      expect(err.variable).toBe(env);
      expect(err.message.startsWith(`${env}: must be `)).toBe(true);
    },
  );

  it.each([
    ['TESSERA_PORT', '65536'], ['TESSERA_PORT', '-1'], ['TESSERA_PORT', '80.5'], ['TESSERA_PORT', '8000abc'],
    ['TESSERA_ACCESS_TOKEN_TTL', '5'], ['TESSERA_REFRESH_TOKEN_TTL', '59'], ['TESSERA_ARGON2_MEMORY_KIB', '1024'], ['TESSERA_ARGON2_ITERATIONS', '1'],
    ['TESSERA_DATABASE_URL', 'mysql://db/tessera'], ['TESSERA_PUBLIC_URL', 'ftp://example.com'], ['TESSERA_PUBLIC_URL', 'example.com'],
    ['TESSERA_FACES', 'users,users'], ['TESSERA_FACES', ','], ['TESSERA_JWT_ALG', 'none'], ['TESSERA_JWT_ALG', 'hs256'],
    ['TESSERA_JWT_SECRET', 'too short'], ['TESSERA_SMTP_URL', 'http://mail'], ['TESSERA_REDIS_URL', 'localhost:6379'],
    ['TESSERA_CORS_ORIGINS', 'https://a.example/path'], ['TESSERA_LOG_LEVEL', 'verbose'], ['TESSERA_RATE_LIMITS', 'sometimes'],
  ])('%s=%j is refused, naming the variable', (env, value) => {
    const err = configError({ [env]: value });
    expect(err.variable).toBe(env);
    expect(err.message).toMatch(new RegExp(`^${env}: `));
  });

  it('echoes a bad value back, except for secret settings', () => {
    expect(configError({ TESSERA_PORT: 'eighty' }).message).toBe('TESSERA_PORT: must be a whole number from 0 to 65535 (got "eighty")');
    const secrets: [string, string][] = [['TESSERA_DATABASE_URL', 'mysql://root:hunter2@db/x'], ['TESSERA_JWT_SECRET', 'hunter2'], ['TESSERA_SMTP_URL', 'http://u:hunter2@mail'], ['TESSERA_REDIS_URL', 'http://:hunter2@r']];
    for (const [env, value] of secrets) {
      const err = configError({ [env]: value });
      expect(err.variable).toBe(env);
      expect(err.message).not.toContain('hunter2');
    }
  });

  it('HS256 needs TESSERA_JWT_SECRET of at least 32 characters', () => {
    expect(configError({ TESSERA_JWT_ALG: 'HS256' })).toMatchObject({ variable: 'TESSERA_JWT_SECRET', message: 'TESSERA_JWT_SECRET: is required when TESSERA_JWT_ALG=HS256' });
    expect(configError({ TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: 'x'.repeat(31) }).variable).toBe('TESSERA_JWT_SECRET');
    expect(loadConfig({ TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: 'x'.repeat(32) })).toMatchObject({ jwtAlg: 'HS256', jwtSecret: 'x'.repeat(32) });
  });

  it('reads booleans, integers and comma lists', () => {
    for (const v of ['true', 'TRUE', '1', 'yes', 'on']) expect(loadConfig({ TESSERA_REQUIRE_VERIFIED: v }).requireVerified, v).toBe(true);
    for (const v of ['false', 'False', '0', 'no', 'off']) expect(loadConfig({ TESSERA_COOKIE_SECURE: v }).cookieSecure, v).toBe(false);
    expect(loadConfig({ TESSERA_RATE_LIMITS: 'off' }).rateLimits).toBe(false);
    expect(loadConfig({ TESSERA_PORT: '0' }).port).toBe(0);
    expect(loadConfig({ TESSERA_PORT: ' 9000 ' }).port).toBe(9000);
    expect(loadConfig({ TESSERA_FACES: ' users , aegis ' }).faces).toEqual(['users', 'aegis']);
    expect(loadConfig({ TESSERA_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ TESSERA_DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl).toBe('postgresql://u@h/db');
  });

  it('checks settings that go together', () => {
    expect(configError({ TESSERA_BOOTSTRAP_SUPERUSER_EMAIL: 'root@example.com' }).variable).toBe('TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD');
    expect(configError({ TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD: 'long enough password' }).variable).toBe('TESSERA_BOOTSTRAP_SUPERUSER_EMAIL');
    expect(configError({ TESSERA_PASSWORD_MIN_LENGTH: '20', TESSERA_PASSWORD_MAX_LENGTH: '10' }).variable).toBe('TESSERA_PASSWORD_MAX_LENGTH');
  });

  it('publicUrlOf uses TESSERA_PUBLIC_URL without a trailing slash, else the listen address', () => {
    expect(publicUrlOf(loadConfig({ TESSERA_PUBLIC_URL: 'https://id.example.com/base/' }))).toBe('https://id.example.com/base');
    expect(publicUrlOf(loadConfig({ TESSERA_HOST: '0.0.0.0', TESSERA_PORT: '9000' }))).toBe('http://0.0.0.0:9000');
    expect(publicUrlOf(loadConfig({ TESSERA_HOST: '::1' }))).toBe('http://[::1]:8000');
  });
});

describe('mail in production', () => {
  it('NODE_ENV=production refuses to start without SMTP, an outbox or TESSERA_MAIL=off, naming the variables', () => {
    const err = configError({ NODE_ENV: 'production' });
    expect(err.variable).toBe('TESSERA_SMTP_URL');
    expect(err.message).toContain('TESSERA_MAIL_OUTBOX');
    expect(err.message).toContain('TESSERA_MAIL=off');
  });

  it.each([
    ['SMTP', { TESSERA_SMTP_URL: 'smtp://relay.example:587' }],
    ['an outbox', { TESSERA_MAIL_OUTBOX: '/var/spool/tessera' }],
    ['TESSERA_MAIL=off', { TESSERA_MAIL: 'off' }],
  ])('NODE_ENV=production starts with %s', (_label, env) => {
    expect(() => loadConfig({ NODE_ENV: 'production', ...env })).not.toThrow();
  });

  it('outside production the console backend is allowed; TESSERA_MAIL reads on/off', () => {
    expect(loadConfig({}).mail).toBe(true);
    expect(loadConfig({ TESSERA_MAIL: 'off' }).mail).toBe(false);
    expect(configError({ TESSERA_MAIL: 'sometimes' }).variable).toBe('TESSERA_MAIL');
  });
});
