import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallbackInput } from '../../../core/social-login.js';
import { laxCookie } from './login-response.js';

/** Carries the sealed flow (state, PKCE verifier, nonce) from authorize to callback in this browser only. */
export const FLOW_COOKIE = 'tessera_oauth_state';
/**
 * Carries the mfa_token of a social sign-in started from the hosted /login page to that page's
 * code step (never in a URL); HttpOnly, only sent to /login, lives as long as the token.
 */
export const MFA_STEP_COOKIE = 'tessera_mfa_step';
/**
 * Where a social sign-in or link started from the hosted pages lands (/login's `return_to`, else
 * /account), kept beside the flow: its presence tells the callback the pages started it. The
 * callback checks it again before following it.
 */
export const RETURN_TO_COOKIE = 'tessera_return_to';
const MFA_STEP_SECONDS = 5 * 60;

// Lax, so the provider's top-level redirect back to the callback carries it.
const flowCookie = (secure: boolean) => laxCookie('/auth', secure);
const mfaStepCookie = (secure: boolean) => laxCookie('/login', secure);

/** The callback URLs providers know for `name`: the users face's, wherever the flow was started. */
export const redirectUris = (publicUrl: string, name: string) => ({
  login: `${publicUrl}/auth/${name}/callback`,
  associate: `${publicUrl}/auth/associate/${name}/callback`,
});

/** Keeps a flow just begun by socialLogin.authorize (and, for the pages, where it lands) in this browser until its callback. */
export function startFlow(reply: FastifyReply, started: { flow: string; maxAgeSeconds: number }, secure: boolean, landing?: string): void {
  reply.setCookie(FLOW_COOKIE, started.flow, { ...flowCookie(secure), maxAge: started.maxAgeSeconds });
  // An abandoned earlier flow's landing must not carry over to this one.
  if (landing) reply.setCookie(RETURN_TO_COOKIE, landing, { ...flowCookie(secure), maxAge: started.maxAgeSeconds });
  else reply.clearCookie(RETURN_TO_COOKIE, flowCookie(secure));
}

/** The flow and the callback's query; a flow is single use, so the cookie goes whatever the outcome. */
export function takeFlow(req: FastifyRequest, reply: FastifyReply, secure: boolean): CallbackInput & { returnTo: string | undefined } {
  reply.clearCookie(FLOW_COOKIE, flowCookie(secure));
  const returnTo = req.cookies[RETURN_TO_COOKIE];
  if (returnTo !== undefined) reply.clearCookie(RETURN_TO_COOKIE, flowCookie(secure));
  // The query string exactly as the provider sent it (openid-client re-checks state, iss, …).
  const at = req.url.indexOf('?');
  return { flow: req.cookies[FLOW_COOKIE], query: new URLSearchParams(at >= 0 ? req.url.slice(at + 1) : ''), returnTo };
}

export function setMfaStep(reply: FastifyReply, mfaToken: string, secure: boolean): void {
  reply.setCookie(MFA_STEP_COOKIE, mfaToken, { ...mfaStepCookie(secure), maxAge: MFA_STEP_SECONDS });
}

export function clearMfaStep(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(MFA_STEP_COOKIE, mfaStepCookie(secure));
}
