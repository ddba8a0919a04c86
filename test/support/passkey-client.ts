import type { TestServer } from './harness.js';
import { SoftAuthenticator, type CeremonyFlaws } from './soft-authenticator.js';
import { auth } from './users-fixtures.js';

export const ORIGIN = 'http://tessera.test';
export const WEBAUTHN_INVALID = { status: 400, body: { detail: 'WEBAUTHN_INVALID' } };

/** Creation options for the holder of `token` (a fresh one). */
export async function registrationOptions(s: TestServer, token: string) {
  const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/register/options', headers: auth(token) });
  if (res.statusCode !== 200) throw new Error(`register/options: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The whole registration ceremony over HTTP; returns the verify response. */
export async function registerPasskey(s: TestServer, token: string, authenticator: SoftAuthenticator, flaws: CeremonyFlaws = {}, name?: string) {
  const options = await registrationOptions(s, token);
  const credential = authenticator.create(options, flaws);
  return s.app.inject({ method: 'POST', url: '/auth/webauthn/register/verify', headers: auth(token), payload: { credential, ...(name ? { name } : {}) } });
}

export async function loginOptions(s: TestServer, username?: string) {
  const res = await s.app.inject({ method: 'POST', url: '/auth/webauthn/login/options', payload: username === undefined ? {} : { username } });
  if (res.statusCode !== 200) throw new Error(`login/options: ${res.statusCode} ${res.body}`);
  return res.json() as { flow_id: string; options: any };
}

export function loginVerify(s: TestServer, flowId: string, credential: unknown, backend: 'jwt' | 'cookie' = 'jwt') {
  return s.app.inject({ method: 'POST', url: '/auth/webauthn/login/verify', payload: { flow_id: flowId, credential, backend } });
}

/** A passwordless login ceremony over HTTP. */
export async function passkeyLogin(s: TestServer, authenticator: SoftAuthenticator, opts: { username?: string; flaws?: CeremonyFlaws; backend?: 'jwt' | 'cookie' } = {}) {
  const { flow_id, options } = await loginOptions(s, opts.username);
  return loginVerify(s, flow_id, authenticator.get(options, opts.flaws), opts.backend);
}
