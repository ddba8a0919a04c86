import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { MfaRequired, UnknownOAuthProvider } from '../../../core/errors.js';
import { clientOf } from '../../client-context.js';
import { signedInUser } from '../../plugins/rate-limit-accounts.js';
import { userGuard } from './guard.js';
import { noStore, sendLogin, setAuthCookie } from './login-response.js';
import { LoginDetail } from './mfa-schemas.js';
import { BearerResponse, Detail, UserRead, ValidationDetail, toUserRead } from './schemas.js';
import { AssociateAuthorizeQuery, AuthorizeQuery, AuthorizeResponse, CallbackQuery, ProviderParams } from './social-schemas.js';

/** Carries the sealed flow (state, PKCE verifier, nonce) from authorize to callback in this browser only. */
export const FLOW_COOKIE = 'tessera_oauth_state';
/**
 * Carries the mfa_token of a social sign-in started from the hosted /login page to that page's
 * code step (never in a URL); HttpOnly, only sent to /login, lives as long as the token.
 */
export const MFA_STEP_COOKIE = 'tessera_mfa_step';
const MFA_STEP_SECONDS = 5 * 60;
const FLOW_PATH = '/auth';
const tags = ['users: social login'];
const errors = { 400: Detail, 422: ValidationDetail, 502: Detail };
/** A login callback may answer LOGIN_MFA_REQUIRED (a user with a second factor). */
const loginErrors = { ...errors, 400: LoginDetail };

/** The callback's query string exactly as the provider sent it (openid-client re-checks state, iss, …). */
const callbackQuery = (req: FastifyRequest) => new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');

/**
 * FastAPI Users' OAuth and associate routers, one set per configured
 * provider, plus 404s in this face's format for any other provider name.
 */
export async function socialRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { socialLogin, publicUrl, config } = container;
  const me = { preValidation: userGuard(container, 'me') };
  const cookie = { httpOnly: true, sameSite: 'lax' as const, path: FLOW_PATH, secure: config.cookieSecure };
  const startFlow = (reply: FastifyReply, flow: string, maxAge: number) => reply.setCookie(FLOW_COOKIE, flow, { ...cookie, maxAge });
  // A flow is single use: the cookie goes whatever the callback's outcome.
  const takeFlow = (req: FastifyRequest, reply: FastifyReply) => {
    reply.clearCookie(FLOW_COOKIE, cookie);
    return { flow: req.cookies[FLOW_COOKIE], query: callbackQuery(req) };
  };

  for (const name of socialLogin.providers()) {
    const redirectUri = `${publicUrl}/auth/${name}/callback`;
    const associateUri = `${publicUrl}/auth/associate/${name}/callback`;

    app.get(`/auth/${name}/authorize`, { schema: { tags, querystring: AuthorizeQuery, response: { 200: AuthorizeResponse, ...errors } } }, async (req, reply) => {
      const { authorizationUrl, flow, maxAgeSeconds } = await socialLogin.authorize(name, {
        mode: 'login', backend: req.query.authentication_backend, redirectUri, ...(req.query.scopes ? { scopes: req.query.scopes } : {}),
      });
      startFlow(reply, flow, maxAgeSeconds);
      return { authorization_url: authorizationUrl };
    });

    app.get(`/auth/${name}/callback`, { config: { limit: 'callback' }, schema: { tags, querystring: CallbackQuery, response: { 200: BearerResponse, 204: Type.Null(), ...loginErrors } } }, async (req, reply) => {
      const result = await socialLogin.login(name, takeFlow(req, reply), clientOf(req)).catch((err: unknown) => {
        // From the hosted /login page, a user with a second factor goes on to that page's code step.
        if (err instanceof MfaRequired && err.challenge?.backend === 'page') return err.challenge.mfaToken;
        throw err;
      });
      if (typeof result === 'string') {
        noStore(reply);
        reply.setCookie(MFA_STEP_COOKIE, result, { httpOnly: true, sameSite: 'lax', path: '/login', secure: config.cookieSecure, maxAge: MFA_STEP_SECONDS });
        return reply.redirect('/login', 303);
      }
      const { backend, tokens } = result;
      // Started from the hosted /login page: signed in with the cookie, the browser goes on to /account.
      if (backend === 'page') {
        noStore(reply);
        setAuthCookie(reply, tokens, config.cookieSecure);
        return reply.redirect('/account', 303);
      }
      return sendLogin(reply, backend === 'cookie' ? 'cookie' : 'jwt', tokens, config.cookieSecure);
    });

    app.get(`/auth/associate/${name}/authorize`, { ...me, schema: { tags, querystring: AssociateAuthorizeQuery, response: { 200: AuthorizeResponse, 401: Detail, ...errors } } }, async (req, reply) => {
      const { authorizationUrl, flow, maxAgeSeconds } = await socialLogin.authorize(name, {
        mode: 'associate', backend: 'none', redirectUri: associateUri, userId: req.currentUser!.id, ...(req.query.scopes ? { scopes: req.query.scopes } : {}),
      });
      startFlow(reply, flow, maxAgeSeconds);
      return { authorization_url: authorizationUrl };
    });

    app.get(`/auth/associate/${name}/callback`, { ...me, config: { limit: { policy: 'callback', account: signedInUser } }, schema: { tags, querystring: CallbackQuery, response: { 200: UserRead, 401: Detail, ...errors } } }, async (req, reply) => {
      const { user, backend } = await socialLogin.associate(name, req.currentUser!.id, takeFlow(req, reply), clientOf(req));
      // Started from the hosted /account page: back there.
      if (backend === 'page') return reply.redirect('/account?notice=social-linked', 303);
      return toUserRead(user);
    });
  }

  // Static routes above win over these; any other provider name is a 404 in this face's format.
  const unknown = async () => { throw new UnknownOAuthProvider(); };
  const hidden = { schema: { hide: true, params: ProviderParams } };
  for (const url of ['/auth/:provider/authorize', '/auth/:provider/callback', '/auth/associate/:provider/authorize', '/auth/associate/:provider/callback']) {
    app.get(url, hidden, unknown);
  }
}
