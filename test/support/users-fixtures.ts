import type { LightMyRequestResponse } from 'fastify';
import type { TestServer } from './harness.js';

/** Scenario helpers for the users face on top of users-client.ts; all go through HTTP except where named "core". */

export const PASSWORD = 'correct horse battery';

export const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** A user made through the core with the given flags (what an admin or the bootstrap would do). */
export async function coreUser(s: TestServer, email: string, flags: { isActive?: boolean; isSuperuser?: boolean; isVerified?: boolean; username?: string; scopes?: string[]; password?: string } = {}) {
  return s.container.users.create({ email, password: flags.password ?? PASSWORD, username: flags.username ?? null, ...flags });
}

/** Logs in over HTTP and returns the full token response. */
export async function jwtLogin(s: TestServer, username: string, password = PASSWORD) {
  const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json() as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
}

/** A superuser (core) and its HTTP login token, which holds `admin`. */
export async function superuser(s: TestServer, email = 'merlin@camelot.bt') {
  const user = await coreUser(s, email, { isSuperuser: true, isVerified: true });
  return { user, token: (await jwtLogin(s, email)).access_token };
}

/** A token that is not `fresh`: the core refresh of the refresh token a login returned. */
export async function nonFreshToken(s: TestServer, refreshToken: string): Promise<string> {
  return (await s.container.sessions.refresh(refreshToken)).accessToken;
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Status and parsed body, for one-line assertions. */
export const sb = (res: LightMyRequestResponse) => ({ status: res.statusCode, body: res.body === '' ? undefined : res.json() });

export const UNAUTHORIZED = { status: 401, body: { detail: 'Unauthorized' } };
export const FORBIDDEN = { status: 403, body: { detail: 'Forbidden' } };
export const NOT_FOUND = { status: 404, body: { detail: 'Not Found' } };
