import type { FastifyReply } from 'fastify';
import type { TokenSet } from '../../../core/sessions.js';
import { AUTH_COOKIE } from './guard.js';

/** FastAPI Users' two authentication backends. */
export type LoginBackend = 'jwt' | 'cookie';

export const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

/**
 * A successful login in the chosen backend's shape: jwt → 200 bearer JSON
 * (with the refresh token); cookie → 204 and the HttpOnly session cookie.
 * Password login and social login answer alike.
 */
export function sendLogin(reply: FastifyReply, backend: LoginBackend, tokens: TokenSet, cookieSecure: boolean) {
  noStore(reply);
  if (backend === 'cookie') {
    setAuthCookie(reply, tokens, cookieSecure);
    return reply.code(204).send(null);
  }
  return reply.code(200).send({ access_token: tokens.accessToken, token_type: 'bearer' as const, refresh_token: tokens.refreshToken!, expires_in: tokens.expiresIn });
}

/**
 * Tessera's browser cookies: HttpOnly and Lax (a provider's or a mail's top-level link back still
 * carries them), sent only under `path`. Clearing must name the same path and attributes.
 */
export const laxCookie = (path: string, secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, path, secure });
const authCookie = (secure: boolean) => laxCookie('/', secure);

/** The session cookie of the cookie backend (also what the hosted pages sign in with). */
export function setAuthCookie(reply: FastifyReply, tokens: TokenSet, cookieSecure: boolean): void {
  reply.setCookie(AUTH_COOKIE, tokens.accessToken, { ...authCookie(cookieSecure), maxAge: tokens.expiresIn });
}

/** Signs the browser out of the cookie backend (and the hosted pages). */
export function clearAuthCookie(reply: FastifyReply, cookieSecure: boolean): void {
  reply.clearCookie(AUTH_COOKIE, authCookie(cookieSecure));
}
