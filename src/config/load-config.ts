import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError } from './config-error.js';
import { ConfigSchema, type Config } from './schema.js';
import { loadOAuthProviders } from './oauth-providers.js';

type Env = Record<string, string | undefined>;
type Setting = TSchema & { env: string; secret: boolean; default?: unknown };

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function coerce(schema: Setting, raw: string): unknown {
  const type = schema.type ?? (schema.anyOf ? 'string' : undefined);
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  if (type === 'boolean') {
    const v = raw.trim().toLowerCase();
    return TRUE.has(v) ? true : FALSE.has(v) ? false : raw;
  }
  if (type === 'array') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  return raw;
}

function describe(schema: Setting): string {
  if (schema.anyOf) return `one of ${(schema.anyOf as { const: string }[]).map((s) => s.const).join(', ')}`;
  if (schema.type === 'integer') {
    const range = [schema.minimum, schema.maximum].every((x) => x !== undefined) ? ` from ${schema.minimum} to ${schema.maximum}` : schema.minimum !== undefined ? ` of at least ${schema.minimum}` : '';
    return `a whole number${range}`;
  }
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'array') return `a comma list${schema.items?.anyOf ? ` of ${(schema.items.anyOf as { const: string }[]).map((s) => s.const).join(', ')}` : ''}`;
  return schema.description ? `valid (${schema.description})` : 'a valid value';
}

/** Reads every setting from `env`, validates each, and throws ConfigError on the first bad one. */
export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(ConfigSchema.properties) as [string, Setting][]) {
    const raw = env[prop.env];
    if (raw === undefined || raw === '') {
      if (prop.default !== undefined) out[key] = structuredClone(prop.default);
      continue;
    }
    const value = coerce(prop, raw);
    if (!Value.Check(prop, value)) {
      const shown = prop.secret ? '' : ` (got ${JSON.stringify(raw.length > 80 ? raw.slice(0, 80) + '…' : raw)})`;
      throw new ConfigError(prop.env, `must be ${describe(prop)}${shown}`);
    }
    out[key] = value;
  }
  // Provider settings are named after the provider, so they are scanned rather than listed in the schema.
  const staticNames = new Set(Object.values(ConfigSchema.properties).map((p) => (p as Setting).env));
  const config = { ...out, oauthProviders: loadOAuthProviders(env, staticNames) } as Config;
  crossCheck(config);
  // The console mail backend is for development: in production, mail goes somewhere or is off on purpose.
  if (env.NODE_ENV === 'production' && config.mail && !config.smtpUrl && !config.mailOutbox) {
    throw new ConfigError('TESSERA_SMTP_URL', 'is required with NODE_ENV=production: set TESSERA_SMTP_URL or TESSERA_MAIL_OUTBOX, or TESSERA_MAIL=off to send no mail');
  }
  return config;
}

function crossCheck(c: Config): void {
  if (c.jwtAlg === 'HS256' && !c.jwtSecret) throw new ConfigError('TESSERA_JWT_SECRET', 'is required when TESSERA_JWT_ALG=HS256');
  if (c.passwordMaxLength < c.passwordMinLength) throw new ConfigError('TESSERA_PASSWORD_MAX_LENGTH', 'must not be below TESSERA_PASSWORD_MIN_LENGTH');
  if (!!c.bootstrapSuperuserEmail !== !!c.bootstrapSuperuserPassword) {
    throw new ConfigError(c.bootstrapSuperuserEmail ? 'TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD' : 'TESSERA_BOOTSTRAP_SUPERUSER_EMAIL', 'must be set together with its pair');
  }
  if (c.publicUrl) {
    try { new URL(c.publicUrl); } catch { throw new ConfigError('TESSERA_PUBLIC_URL', 'must be an absolute http(s) URL'); }
  }
  if (c.webauthnRpId) {
    // Browsers accept an RP ID only when it is the page's host or a parent domain of it.
    const host = new URL(publicUrlOf(c)).hostname;
    if (host !== c.webauthnRpId && !host.endsWith(`.${c.webauthnRpId}`)) {
      throw new ConfigError('TESSERA_WEBAUTHN_RP_ID', `must be the host of TESSERA_PUBLIC_URL (${host}) or a parent domain of it`);
    }
  }
  if (c.linkBaseUrl) {
    try { new URL(c.linkBaseUrl); } catch { throw new ConfigError('TESSERA_LINK_BASE_URL', 'must be an absolute http(s) URL'); }
  }
}

/** The base of mailed links without a trailing slash: TESSERA_LINK_BASE_URL, else the public URL. */
export function linkBaseOf(c: Config): string {
  return c.linkBaseUrl ? c.linkBaseUrl.replace(/\/+$/, '') : publicUrlOf(c);
}

/** The external base URL without a trailing slash. */
export function publicUrlOf(c: Config): string {
  return (c.publicUrl ?? `http://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`).replace(/\/+$/, '');
}
