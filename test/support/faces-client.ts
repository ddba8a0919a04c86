import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';

/** Helpers over inject() for the simple and aegis faces, so tests read as scenarios. */

export const PASS = 'correct horse battery';

export const qs = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const formBody = (fields: Record<string, string>) => ({
  payload: qs(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** simple: POST /user (query string), expecting 201. */
export async function simpleSignup(app: FastifyInstance, user: string, pass = PASS) {
  const res = await app.inject({ method: 'POST', url: `/user?${qs({ user, pass })}` });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
}

/** simple: GET /token with user+pass, the fresh access token. */
export async function simpleToken(app: FastifyInstance, user: string, pass = PASS): Promise<string> {
  const res = await app.inject({ url: `/token?${qs({ user, pass })}` });
  if (res.statusCode !== 200) throw new Error(`token failed: ${res.statusCode} ${res.body}`);
  return res.body;
}

/** simple: a fresh access token and a refresh token of the same session. */
export async function simpleSession(app: FastifyInstance, user: string, pass = PASS) {
  const access = await simpleToken(app, user, pass);
  const res = await app.inject({ url: '/refresh_token', headers: { authorization: `Bearer ${access}` } });
  if (res.statusCode !== 200) throw new Error(`refresh_token failed: ${res.statusCode} ${res.body}`);
  return { access, refresh: res.body };
}

/** aegis: POST /auth, expecting 200. */
export async function aegisLogin(app: FastifyInstance, username: string, password = PASS) {
  const res = await app.inject({ method: 'POST', url: '/auth', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`aegis login failed: ${res.statusCode} ${res.body}`);
  return res.json() as { access_token: string; refresh_token: string };
}

/** The claims of a JWT, decoded without verification (tests look at claims they just received). */
export const claimsOf = (jwt: string): Record<string, unknown> => decodeJwt(jwt);
