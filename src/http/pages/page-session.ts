import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.js';
import { accountStanding } from '../../core/account-standing.js';
import { actsAsAdmin, type ScopePolicy } from '../../core/scopes.js';
import { DomainError } from '../../core/errors.js';
import { AUTH_COOKIE } from '../faces/users/guard.js';
import { PageForbidden } from './errors.js';

/*
 * The pages sign in with the users face's cookie (`tessera_auth`, an access
 * token of the `users` profile, HttpOnly, SameSite=Lax; set and cleared by
 * login-response.ts): one session model, so a person signed in on /login is
 * signed in for the cookie API too, and POST /logout ends the same session
 * /auth/cookie/logout would.
 */

/**
 * Reads the cookie session into `req.principal`/`req.currentUser`, or leaves
 * them null: no cookie, an ended session, a deactivated user, an expired
 * token. A database failure is not "signed out": it propagates (503).
 */
export async function loadSession(container: Container, req: FastifyRequest): Promise<void> {
  const token = req.cookies[AUTH_COOKIE];
  if (!token) return;
  try {
    const principal = await container.sessions.authenticate(token);
    const user = await container.users.current(principal.userId);
    if (accountStanding(user, container.config.requireVerified) !== 'ok') return;
    req.principal = principal;
    req.currentUser = user;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
  }
}

/** Whether the signed-in person may use the admin console: the admin routes' own rule (TESSERA_MFA_REQUIRED included). */
export const isAdmin = (req: FastifyRequest, policy: ScopePolicy): boolean =>
  !!req.currentUser && !!req.principal && actsAsAdmin(req.currentUser, req.principal.scope, policy);

/**
 * preValidation hook of pages that need a person: anonymous → /login with
 * return_to this page (GET) or the page the form was on; a signed-in
 * non-admin on an admin page → 403 page.
 */
export function requireSignIn(container: Container, need: 'me' | 'admin') {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    await loadSession(container, req);
    if (!req.currentUser) {
      const back = req.method === 'GET' ? req.url : need === 'admin' ? '/admin' : '/account';
      return reply.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
    }
    if (need === 'admin' && !isAdmin(req, container.scopePolicy)) throw new PageForbidden();
    return undefined;
  };
}
