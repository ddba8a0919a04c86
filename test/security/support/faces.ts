import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';

/** Scenario helpers shared by the adversarial suites: every face's login and protected route, over inject(). */

export const PASSWORD = 'correct horse battery';
export type FaceName = 'users' | 'oauth2' | 'simple' | 'aegis';
export const FACE_NAMES: FaceName[] = ['users', 'oauth2', 'simple', 'aegis'];

/** A random public-looking IPv4 address, so suites sharing one Redis never share a counter. */
export const randomIp = () => `10.${1 + randomBytes(1)[0]! % 250}.${randomBytes(1)[0]}.${1 + randomBytes(1)[0]! % 250}`;
/** A random /64 prefix (four groups) in the documentation range. */
export const randomV6Prefix = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
export const uniqueEmail = (tag = 'user') => `${tag}-${randomBytes(5).toString('hex')}@camelot.bt`;

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** One password login through a face, from a given client address. */
export function faceLogin(app: FastifyInstance, face: FaceName, login: string, password: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) {
  switch (face) {
    case 'users':
      return app.inject({ method: 'POST', url: '/auth/jwt/login', remoteAddress, ...form({ username: login, password }), headers: { ...form({}).headers, ...headers } });
    case 'oauth2':
      return app.inject({ method: 'POST', url: '/oauth/token', remoteAddress, ...form({ grant_type: 'password', username: login, password }), headers: { ...form({}).headers, ...headers } });
    case 'simple':
      return app.inject({ method: 'GET', url: `/token?${new URLSearchParams({ user: login, pass: password })}`, remoteAddress, headers });
    case 'aegis':
      return app.inject({ method: 'POST', url: '/auth', remoteAddress, payload: { username: login, password }, headers });
  }
}

/** The access token of a successful face login. */
export function tokenOf(face: FaceName, res: LightMyRequestResponse): string {
  if (res.statusCode !== 200) throw new Error(`${face} login failed: ${res.statusCode} ${res.body}`);
  return face === 'simple' ? res.body : (res.json() as { access_token: string }).access_token;
}

/** How faceProtected() refuses a bad token: 401, except ipseity's /check, which answers 400. */
export const refusedStatus = (face: FaceName) => (face === 'simple' ? 400 : 401);

/** A route of the face that needs an access token, called with `token`. */
export function faceProtected(app: FastifyInstance, face: FaceName, token: string) {
  const authorization = `Bearer ${token}`;
  switch (face) {
    case 'users':
      return app.inject({ method: 'GET', url: '/users/me', headers: { authorization } });
    case 'oauth2':
      // The caller's own token authenticates introspection: a bad one is a 401.
      return app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
    case 'simple':
      return app.inject({ method: 'GET', url: '/check', headers: { authorization } });
    case 'aegis':
      return app.inject({ method: 'GET', url: '/me', headers: { authorization } });
  }
}

/** Asserts a response is in the face's own error format, whatever its status. */
export function errorShape(face: FaceName, res: LightMyRequestResponse): boolean {
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return false;
  }
  const b = body as Record<string, unknown>;
  switch (face) {
    case 'users':
      return 'detail' in b && Object.keys(b).length === 1;
    case 'oauth2':
      return typeof b.error === 'string' && typeof b.error_description === 'string';
    case 'simple':
      return typeof b.message === 'string' && Object.keys(b).length === 1;
    case 'aegis':
      return res.headers['content-type']?.toString().startsWith('application/problem+json') === true
        && typeof b.type === 'string' && typeof b.title === 'string' && b.status === String(res.statusCode);
  }
}
