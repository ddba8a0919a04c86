import type { LightMyRequestResponse } from 'fastify';
import { startServer, type Dialect, type TestServer } from './harness.js';
import { PASSWORD, auth, coreUser } from './users-fixtures.js';

/** Helpers for the wisdom `/users` API (TESSERA_USERS_ADMIN_API=wisdom). */

export const WISDOM_ENV = { TESSERA_USERS_ADMIN_API: 'wisdom' };

export const startWisdomServer = (dialect: Dialect, env: Record<string, string> = {}, opts: Parameters<typeof startServer>[2] = {}) =>
  startServer(dialect, { ...WISDOM_ENV, ...env }, opts);

/** wisdom's seeded scope definitions, as `UserAccount` lists them. */
export const ADMIN_SCOPE = { id: 1, name: 'Authorization Administration', description: 'This scope allows the administrative access to the authorization service', value: 'admin' };
export const ME_SCOPE = { id: 2, name: 'Account Access', description: "This scope allows the reading of all account data and the possibility to change the account's password", value: 'me' };

export const NO_TOKEN = { error: 'invalid_request', error_description: 'No Bearer token present in the request' };
export const INVALID_TOKEN = { error: 'invalid_token' };
export const INSUFFICIENT_SCOPE = { error: 'insufficient_scope' };
export const NOT_FOUND = { error: 'The requested object was not found. Please check your request' };
export const DUPLICATE = { error: 'DUPLICATE_ENTRY', error_description: 'The resource you tried to create already exists' };

/** An OAuth2 password-grant token (wisdom's clients log in at /oauth/token). */
export async function oauthToken(s: TestServer, username: string, password = PASSWORD, scope?: string): Promise<{ access_token: string; refresh_token: string; scope: string }> {
  const fields: Record<string, string> = { grant_type: 'password', username, password, ...(scope ? { scope } : {}) };
  const res = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (res.statusCode !== 200) throw new Error(`password grant failed: ${res.statusCode} ${res.body}`);
  return res.json() as { access_token: string; refresh_token: string; scope: string };
}

/** A superuser (core) with names, and its token (which holds `admin`). */
export async function wisdomAdmin(s: TestServer, username = 'merlin') {
  const user = await s.container.users.create({ username, password: PASSWORD, isSuperuser: true, firstName: 'Merlin', lastName: 'Ambrosius' });
  return { user, token: (await oauthToken(s, username)).access_token };
}

/** Requests as the holder of `token` (none: no Authorization header). */
export const as = (s: TestServer, token?: string) => {
  const headers = token === undefined ? {} : auth(token);
  return {
    get: (url: string) => s.app.inject({ url, headers }),
    send: (method: 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      s.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) }),
  };
};

/** Status, parsed body and the WWW-Authenticate header, for one-line assertions. */
export const sbw = (res: LightMyRequestResponse) => ({
  status: res.statusCode, body: res.body === '' ? undefined : res.json(), challenge: res.headers['www-authenticate'],
});

export { PASSWORD, coreUser };
