import { ConfigError } from './config-error.js';

/**
 * Social-login providers come from environment variables whose names carry
 * the provider name (`TESSERA_OAUTH_<NAME>_ISSUER`, …), so they cannot be
 * listed in the static TypeBox schema; this loader scans for them instead.
 */
export interface OAuthProviderConfig {
  /** Lower-cased `<NAME>`: the `{provider}` path segment. */
  name: string;
  /** `oidc`: any OpenID Connect issuer (discovered); `github`: GitHub's OAuth 2.0 apps. */
  kind: 'oidc' | 'github';
  /** OIDC issuer (kind oidc), or the GitHub web base URL (kind github). */
  url: string;
  /** GitHub REST API base (kind github only). */
  apiUrl?: string;
  clientId: string;
  clientSecret: string;
  /** Scopes asked for when the client names none. */
  scopes: string[];
  /** Plain http is accepted only for loopback hosts (development and tests). */
  allowInsecure: boolean;
  /** `TESSERA_OAUTH_<NAME>_`, for messages. */
  envPrefix: string;
}

type Env = Record<string, string | undefined>;

const PREFIX = 'TESSERA_OAUTH_';
// Longest first, so `_CLIENT_SECRET` is not read as a name ending in `_CLIENT`.
const SUFFIXES = ['_CLIENT_SECRET', '_CLIENT_ID', '_ISSUER', '_SCOPES', '_URL'] as const;
type Suffix = (typeof SUFFIXES)[number];
const NAME = /^[A-Z0-9](?:[A-Z0-9_]{0,30}[A-Z0-9])?$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const PRESETS: Record<string, { kind: 'oidc' | 'github'; url: string; scopes: string[] }> = {
  GITHUB: { kind: 'github', url: 'https://github.com', scopes: ['read:user', 'user:email'] },
  GOOGLE: { kind: 'oidc', url: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] },
};
const OIDC_SCOPES = ['openid', 'email', 'profile'];

/** An https URL (http for loopback hosts). Issuers are kept exactly as written: they must equal the discovered `issuer`. */
function httpsUrl(variable: string, raw: string): { url: string; insecure: boolean } {
  let u: URL;
  try { u = new URL(raw); } catch { throw new ConfigError(variable, 'must be an absolute https URL'); }
  const loopback = LOOPBACK.has(u.hostname) || LOOPBACK.has(`[${u.hostname}]`);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) {
    if (u.search || u.hash) throw new ConfigError(variable, 'must not carry a query or fragment');
    return { url: raw, insecure: u.protocol === 'http:' };
  }
  throw new ConfigError(variable, 'must be an https URL (plain http only for 127.0.0.1/localhost)');
}

function scopeList(variable: string, raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  const list = raw.split(/[\s,]+/).filter(Boolean);
  if (list.length === 0 || !list.every((s) => SCOPE.test(s))) throw new ConfigError(variable, 'must be a comma or space separated list of scopes');
  return [...new Set(list)];
}

/**
 * Every configured provider, in name order. `reserved` are static setting
 * names that share the prefix (TESSERA_OAUTH_TOKEN_KEY); they are skipped.
 */
export function loadOAuthProviders(env: Env, reserved: ReadonlySet<string> = new Set()): OAuthProviderConfig[] {
  const byName = new Map<string, Partial<Record<Suffix, string>>>();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(PREFIX) || reserved.has(key) || value === undefined || value === '') continue;
    const suffix = SUFFIXES.find((s) => key.endsWith(s) && key.length > PREFIX.length + s.length);
    const name = suffix && key.slice(PREFIX.length, -suffix.length);
    if (!suffix || !name || !NAME.test(name)) {
      throw new ConfigError(key, `is not a known setting (providers use ${PREFIX}<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _SCOPES)`);
    }
    byName.set(name, { ...byName.get(name), [suffix]: value.trim() });
  }

  return [...byName.keys()].sort().map((name) => {
    const v = byName.get(name)!;
    const envPrefix = `${PREFIX}${name}_`;
    const preset = PRESETS[name];
    for (const part of ['CLIENT_ID', 'CLIENT_SECRET'] as const) {
      if (!v[`_${part}`]) throw new ConfigError(`${envPrefix}${part}`, `is required when any ${envPrefix}* setting is present`);
    }
    if (preset?.kind === 'github') {
      if (v._ISSUER) throw new ConfigError(`${envPrefix}ISSUER`, 'does not apply: GitHub is OAuth 2.0, not OpenID Connect (use _URL for GitHub Enterprise)');
      const base = httpsUrl(`${envPrefix}URL`, (v._URL ?? preset.url).replace(/\/+$/, ''));
      // github.com serves its API from api.github.com; GitHub Enterprise Server from <url>/api/v3.
      const apiUrl = base.url === 'https://github.com' ? 'https://api.github.com' : `${base.url}/api/v3`;
      return {
        name: name.toLowerCase(), kind: 'github', url: base.url, apiUrl, clientId: v._CLIENT_ID!, clientSecret: v._CLIENT_SECRET!,
        scopes: scopeList(`${envPrefix}SCOPES`, v._SCOPES, preset.scopes), allowInsecure: base.insecure, envPrefix,
      };
    }
    if (v._URL) throw new ConfigError(`${envPrefix}URL`, 'applies to GitHub only; OpenID Connect providers use _ISSUER');
    const issuerRaw = v._ISSUER ?? preset?.url;
    if (!issuerRaw) throw new ConfigError(`${envPrefix}ISSUER`, `is required (the OpenID Connect issuer of provider ${name.toLowerCase()})`);
    const issuer = httpsUrl(`${envPrefix}ISSUER`, issuerRaw);
    const scopes = scopeList(`${envPrefix}SCOPES`, v._SCOPES, preset?.scopes ?? OIDC_SCOPES);
    return {
      name: name.toLowerCase(), kind: 'oidc', url: issuer.url, clientId: v._CLIENT_ID!, clientSecret: v._CLIENT_SECRET!,
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes], allowInsecure: issuer.insecure, envPrefix,
    };
  });
}

/** TESSERA_OAUTH_TOKEN_KEY: 32 bytes as 64 hex digits or base64/base64url. */
export function decodeTokenKey(raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
  if (key.length !== 32) throw new ConfigError('TESSERA_OAUTH_TOKEN_KEY', 'must be 32 bytes, as 64 hex digits or base64');
  return key;
}
