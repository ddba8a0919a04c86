import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

const base = { TESSERA_DATABASE_URL: 'sqlite::memory:' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });
const failure = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).variable;
  }
  throw new Error('expected a ConfigError');
};

describe('social-login provider settings', () => {
  it('reads any OIDC issuer, plus the GitHub and Google presets, named in lower case', () => {
    const c = load({
      TESSERA_OAUTH_MY_IDP_ISSUER: 'https://idp.example.com/realms/x/', TESSERA_OAUTH_MY_IDP_CLIENT_ID: 'a', TESSERA_OAUTH_MY_IDP_CLIENT_SECRET: 'b',
      TESSERA_OAUTH_GITHUB_CLIENT_ID: 'gh', TESSERA_OAUTH_GITHUB_CLIENT_SECRET: 'ghs',
      TESSERA_OAUTH_GOOGLE_CLIENT_ID: 'g', TESSERA_OAUTH_GOOGLE_CLIENT_SECRET: 'gs', TESSERA_OAUTH_GOOGLE_SCOPES: 'email profile',
    });
    expect(c.oauthProviders.map((p) => [p.name, p.kind, p.url, p.scopes])).toEqual([
      ['github', 'github', 'https://github.com', ['read:user', 'user:email']],
      ['google', 'oidc', 'https://accounts.google.com', ['openid', 'email', 'profile']],
      ['my_idp', 'oidc', 'https://idp.example.com/realms/x/', ['openid', 'email', 'profile']],
    ]);
    expect(c.oauthProviders[0]!.apiUrl).toBe('https://api.github.com');
    expect(c.oauthProviders.every((p) => !p.allowInsecure)).toBe(true);
  });

  it('has none by default, and TESSERA_OAUTH_TOKEN_KEY is a setting, not a provider', () => {
    expect(load({}).oauthProviders).toEqual([]);
    const c = load({ TESSERA_OAUTH_TOKEN_KEY: 'ab'.repeat(32) });
    expect(c.oauthProviders).toEqual([]);
    expect(c.oauthTokenKey).toBe('ab'.repeat(32));
  });

  it('names the variable that is missing or wrong', () => {
    expect(failure({ TESSERA_OAUTH_ACME_ISSUER: 'https://acme.test', TESSERA_OAUTH_ACME_CLIENT_ID: 'x' })).toBe('TESSERA_OAUTH_ACME_CLIENT_SECRET');
    expect(failure({ TESSERA_OAUTH_GOOGLE_CLIENT_SECRET: 'x' })).toBe('TESSERA_OAUTH_GOOGLE_CLIENT_ID');
    expect(failure({ TESSERA_OAUTH_ACME_CLIENT_ID: 'x', TESSERA_OAUTH_ACME_CLIENT_SECRET: 'y' })).toBe('TESSERA_OAUTH_ACME_ISSUER');
    expect(failure({ TESSERA_OAUTH_ACME_ISSUER: 'http://acme.test', TESSERA_OAUTH_ACME_CLIENT_ID: 'x', TESSERA_OAUTH_ACME_CLIENT_SECRET: 'y' })).toBe('TESSERA_OAUTH_ACME_ISSUER');
    expect(failure({ TESSERA_OAUTH_ACME_ISSUER: 'not a url', TESSERA_OAUTH_ACME_CLIENT_ID: 'x', TESSERA_OAUTH_ACME_CLIENT_SECRET: 'y' })).toBe('TESSERA_OAUTH_ACME_ISSUER');
    expect(failure({ TESSERA_OAUTH_GOOGLE_CLIENTID: 'typo' })).toBe('TESSERA_OAUTH_GOOGLE_CLIENTID');
    expect(failure({ TESSERA_OAUTH_GITHUB_ISSUER: 'https://github.com', TESSERA_OAUTH_GITHUB_CLIENT_ID: 'x', TESSERA_OAUTH_GITHUB_CLIENT_SECRET: 'y' })).toBe('TESSERA_OAUTH_GITHUB_ISSUER');
    expect(failure({ TESSERA_OAUTH_ACME_ISSUER: 'https://acme.test', TESSERA_OAUTH_ACME_CLIENT_ID: 'x', TESSERA_OAUTH_ACME_CLIENT_SECRET: 'y', TESSERA_OAUTH_ACME_SCOPES: 'a"b' })).toBe('TESSERA_OAUTH_ACME_SCOPES');
    expect(failure({ TESSERA_OAUTH_TOKEN_KEY: 'too-short' })).toBe('TESSERA_OAUTH_TOKEN_KEY');
  });

  it('allows plain http only for loopback issuers (development and tests)', () => {
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/realm', 'http://[::1]:9000']) {
      const [p] = load({ TESSERA_OAUTH_DEV_ISSUER: issuer, TESSERA_OAUTH_DEV_CLIENT_ID: 'x', TESSERA_OAUTH_DEV_CLIENT_SECRET: 'y' }).oauthProviders;
      expect(p!.allowInsecure).toBe(true);
    }
    const [ghe] = load({ TESSERA_OAUTH_GITHUB_URL: 'https://ghe.corp.test/', TESSERA_OAUTH_GITHUB_CLIENT_ID: 'x', TESSERA_OAUTH_GITHUB_CLIENT_SECRET: 'y' }).oauthProviders;
    expect([ghe!.url, ghe!.apiUrl, ghe!.allowInsecure]).toEqual(['https://ghe.corp.test', 'https://ghe.corp.test/api/v3', false]);
  });
});
