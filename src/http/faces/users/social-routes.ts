import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { MfaRequired, UnknownOAuthProvider } from '../../../core/errors.js';
import { clientOf } from '../../client-context.js';
import { DEFAULT_LANDING, safeReturnTo } from '../../return-to.js';
import { orPageFailure } from '../../social-failure.js';
import { signedInUser } from '../../plugins/rate-limit-accounts.js';
import { userGuard } from './guard.js';
import { noStore, sendLogin, setAuthCookie } from './login-response.js';
import { LoginDetail } from './mfa-schemas.js';
import { BearerResponse, Detail, UserRead, ValidationDetail, toUserRead } from './schemas.js';
import { redirectUris, setMfaStep, startFlow, takeFlow } from './social-flow.js';
import { AssociateAuthorizeQuery, AuthorizeQuery, AuthorizeResponse, CallbackQuery, ProviderParams } from './social-schemas.js';

// Where the flow's cookies live; re-exported for whoever reads them (pages, tests).
export { FLOW_COOKIE, MFA_STEP_COOKIE } from './social-flow.js';

const tags = ['users: social login'];
const errors = { 400: Detail, 422: ValidationDetail, 502: Detail };
/** A login callback may answer LOGIN_MFA_REQUIRED (a user with a second factor). */
const loginErrors = { ...errors, 400: LoginDetail };

/**
 * FastAPI Users' OAuth and associate routers, one set per configured
 * provider, plus 404s in this face's format for any other provider name.
 */
export async function socialRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { socialLogin, publicUrl, config } = container;
  const me = { preValidation: userGuard(container, 'me') };

  for (const name of socialLogin.providers()) {
    const uris = redirectUris(publicUrl, name);

    app.get(`/auth/${name}/authorize`, { schema: { tags, querystring: AuthorizeQuery, response: { 200: AuthorizeResponse, ...errors } } }, async (req, reply) => {
      const started = await socialLogin.authorize(name, {
        mode: 'login', backend: req.query.authentication_backend, redirectUri: uris.login, ...(req.query.scopes ? { scopes: req.query.scopes } : {}),
      });
      startFlow(reply, started, config.cookieSecure);
      return { authorization_url: started.authorizationUrl };
    });

    app.get(`/auth/${name}/callback`, { config: { limit: 'callback' }, schema: { tags, querystring: CallbackQuery, response: { 200: BearerResponse, 204: Type.Null(), ...loginErrors } } }, async (req, reply) => {
      const { returnTo, ...input } = takeFlow(req, reply, config.cookieSecure);
      // Started from the hosted /login page: its return_to, checked again (a cookie is the browser's to change).
      const target = safeReturnTo(returnTo, publicUrl, config.corsOrigins);
      const back = (error?: string) => {
        const query = new URLSearchParams({ ...(error ? { error } : {}), ...(target && target !== DEFAULT_LANDING ? { return_to: target } : {}) }).toString();
        return query ? `/login?${query}` : '/login';
      };
      // From the hosted /login page, a user with a second factor goes on to that page's code step,
      // and any other refusal back to that page with its fixed message, not the face's JSON.
      const result = await orPageFailure(socialLogin.login(name, input, clientOf(req)).catch((err: unknown) => {
        if (err instanceof MfaRequired && err.challenge?.backend === 'page') return err.challenge.mfaToken;
        throw err;
      }), 'login', returnTo);
      if (typeof result === 'string') {
        noStore(reply);
        setMfaStep(reply, result, config.cookieSecure);
        return reply.redirect(back(), 303);
      }
      if ('failure' in result) return reply.redirect(back(result.failure), 303);
      const { backend, tokens } = result;
      // Signed in with the cookie, the browser goes on to return_to or /account.
      if (backend === 'page') {
        noStore(reply);
        setAuthCookie(reply, tokens, config.cookieSecure);
        return reply.redirect(target ?? DEFAULT_LANDING, 303);
      }
      return sendLogin(reply, backend === 'cookie' ? 'cookie' : 'jwt', tokens, config.cookieSecure);
    });

    app.get(`/auth/associate/${name}/authorize`, { ...me, schema: { tags, querystring: AssociateAuthorizeQuery, response: { 200: AuthorizeResponse, 401: Detail, ...errors } } }, async (req, reply) => {
      const started = await socialLogin.authorize(name, {
        mode: 'associate', backend: 'none', redirectUri: uris.associate, userId: req.currentUser!.id, ...(req.query.scopes ? { scopes: req.query.scopes } : {}),
      });
      startFlow(reply, started, config.cookieSecure);
      return { authorization_url: started.authorizationUrl };
    });

    app.get(`/auth/associate/${name}/callback`, { ...me, config: { limit: { policy: 'callback', account: signedInUser } }, schema: { tags, querystring: CallbackQuery, response: { 200: UserRead, 401: Detail, ...errors } } }, async (req, reply) => {
      const { returnTo, ...input } = takeFlow(req, reply, config.cookieSecure);
      // Started from /account and refused: back there with a fixed message, not the face's JSON.
      const linked = await orPageFailure(socialLogin.associate(name, req.currentUser!.id, input, clientOf(req)), 'link', returnTo);
      if ('failure' in linked) return reply.redirect(`/account?error=${linked.failure}`, 303);
      const { user, backend } = linked;
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
