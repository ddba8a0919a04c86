import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { FLOW_COOKIE } from '../faces/users/social-routes.js';
import { bodyLogin } from '../plugins/rate-limit-accounts.js';
import { CsrfOnly, LoginForm, ReturnToQuery } from './forms.js';
import { clearSessionCookie, loadSession, setSessionCookie } from './page-session.js';
import { DEFAULT_LANDING, safeReturnTo } from './return-to.js';
import { clientOf } from '../client-context.js';
import type { FormPage } from './render.js';

/** How a provider's name reads on its button. */
const providerLabel = (name: string) => ({ github: 'GitHub', google: 'Google', gitlab: 'GitLab' })[name] ?? name.charAt(0).toUpperCase() + name.slice(1);

/** /login (password, social providers), POST /logout. */
export async function signInRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, config, publicUrl, sessions, socialLogin } = container;
  const returnTo = (raw: unknown) => safeReturnTo(raw, publicUrl, config.corsOrigins);
  // Social buttons need the users face's callback route (the redirect URI providers know).
  const providers = config.faces.includes('users') ? socialLogin.providers().map((name) => ({ name, label: providerLabel(name) })) : [];
  const loginForm: FormPage = {
    view: 'login', title: 'Sign in',
    context: async (req) => ({ providers, returnTo: returnTo((req.body as { return_to?: unknown } | undefined)?.return_to) }),
  };

  app.get('/login', { schema: { hide: true, querystring: ReturnToQuery } }, async (req, reply) => {
    await loadSession(container, req);
    const target = returnTo(req.query.return_to);
    // Already signed in: straight on, as the login would have sent them.
    if (req.currentUser) return reply.redirect(target ?? DEFAULT_LANDING, 303);
    return reply.page('login', 'Sign in', { providers, returnTo: target });
  });

  app.post('/login', {
    config: { form: loginForm, limit: { policy: 'login', account: bodyLogin('username') } },
    schema: { hide: true, body: LoginForm },
  }, async (req, reply) => {
    const { tokens } = await auth.login(req.body.username, req.body.password, { profile: 'users', client: clientOf(req, 'pages') });
    setSessionCookie(reply, tokens, config.cookieSecure);
    return reply.redirect(returnTo(req.body.return_to) ?? DEFAULT_LANDING, 303);
  });

  // Ends the cookie's session (when it still has one) and clears the cookie either way.
  app.post('/logout', { schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    await loadSession(container, req);
    if (req.principal) await sessions.logout(req.principal, clientOf(req, 'pages'));
    clearSessionCookie(reply, config.cookieSecure);
    return reply.redirect('/login', 303);
  });

  // The social authorize of the users face with a backend of its own: its callback sets the
  // session cookie and sends the browser to /account instead of answering 204.
  const flowCookie = { httpOnly: true, sameSite: 'lax' as const, path: '/auth', secure: config.cookieSecure };
  for (const { name } of providers) {
    app.get(`/login/${name}`, { schema: { hide: true } }, async (_req, reply) => {
      const { authorizationUrl, flow, maxAgeSeconds } = await socialLogin.authorize(name, { mode: 'login', backend: 'page', redirectUri: `${publicUrl}/auth/${name}/callback` });
      reply.setCookie(FLOW_COOKIE, flow, { ...flowCookie, maxAge: maxAgeSeconds });
      return reply.redirect(authorizationUrl, 303);
    });
  }
}
