import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { bearer } from '../../support/users-client.js';

/** Small helpers over inject() for the oauth2 face: form-encoded requests as RFC 6749 clients send them. */
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** POSTs form fields; a string body is sent verbatim (to repeat or mangle parameters). */
export function postForm(app: FastifyInstance, url: string, fields: Record<string, string> | string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const payload = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  return app.inject({ method: 'POST', url, payload, headers: { ...FORM, ...headers } });
}

export interface TokenBody { access_token: string; token_type: string; expires_in: number; refresh_token: string; scope: string }

export async function passwordGrant(app: FastifyInstance, username: string, password = 'correct horse battery', extra: Record<string, string> = {}): Promise<TokenBody> {
  const res = await postForm(app, '/oauth/token', { grant_type: 'password', username, password, ...extra });
  if (res.statusCode !== 200) throw new Error(`password grant failed: ${res.statusCode} ${res.body}`);
  return res.json() as TokenBody;
}

export const refreshGrant = (app: FastifyInstance, refreshToken: string, extra: Record<string, string> = {}) =>
  postForm(app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });

export const introspect = (app: FastifyInstance, caller: string, token: string, extra: Record<string, string> = {}, url = '/oauth/introspect') =>
  postForm(app, url, { token, ...extra }, bearer(caller));

export const revoke = (app: FastifyInstance, caller: string, token: string, extra: Record<string, string> = {}) =>
  postForm(app, '/oauth/revoke', { token, ...extra }, bearer(caller));

/** The decoded header of a JWT, unverified. */
export const headerOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** /users/me status for a token: 200 while its session lives, 401 after. */
export async function meStatus(app: FastifyInstance, accessToken: string): Promise<number> {
  return (await app.inject({ url: '/users/me', headers: bearer(accessToken) })).statusCode;
}
