import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { relyingParty } from '../../src/core/mfa/passkeys-relying-party.js';

function failure(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe('WebAuthn relying party', () => {
  it('is the public URL\'s host; the origins are its origin and the CORS origins', () => {
    expect(relyingParty('https://auth.example.com/base', ['https://app.example.com', 'http://localhost:5173'])).toEqual({
      id: 'auth.example.com', name: 'auth.example.com',
      origins: ['https://auth.example.com', 'https://app.example.com', 'http://localhost:5173'],
    });
    expect(relyingParty('http://localhost:8000', [], undefined).id).toBe('localhost');
  });

  it('TESSERA_WEBAUTHN_RP_ID may name the host or a parent domain of it', () => {
    const base = { TESSERA_PUBLIC_URL: 'https://auth.example.com' };
    expect(loadConfig({ ...base, TESSERA_WEBAUTHN_RP_ID: 'example.com' }).webauthnRpId).toBe('example.com');
    expect(loadConfig({ ...base, TESSERA_WEBAUTHN_RP_ID: 'auth.example.com' }).webauthnRpId).toBe('auth.example.com');
    expect(relyingParty('https://auth.example.com', [], 'example.com').id).toBe('example.com');
  });

  it.each([
    ['another domain', 'example.org'],
    ['a suffix that is not a parent domain', 'ample.com'],
    ['a child domain', 'x.auth.example.com'],
    ['a URL', 'https://example.com'],
    ['a host with a port', 'example.com:443'],
    ['upper case', 'Example.com'],
  ])('refuses %s, naming the variable', (_what, value) => {
    const err = failure({ TESSERA_PUBLIC_URL: 'https://auth.example.com', TESSERA_WEBAUTHN_RP_ID: value });
    expect(err?.message).toMatch(/TESSERA_WEBAUTHN_RP_ID/);
  });
});
