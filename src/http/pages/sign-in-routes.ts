import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { MfaRequired, MfaTokenInvalid } from '../../core/errors.js';
import type { MfaAnswer } from '../../core/mfa/second-step.js';
import { MFA_STEP_COOKIE, clearMfaStep, redirectUris, startFlow } from '../faces/users/social-flow.js';
import { bodyLogin, bodyMfaToken } from '../plugins/rate-limit-accounts.js';
import { CsrfOnly, LoginForm, LoginQuery, MfaForm, ReturnToQuery } from './forms.js';
import { SOCIAL_FAILURES } from '../social-failure.js';
import { pageFailure } from './errors.js';
import { loadSession } from './page-session.js';
import { clearAuthCookie, setAuthCookie } from '../faces/users/login-response.js';
import { DEFAULT_LANDING, safeReturnTo } from '../return-to.js';
import { clientOf } from '../client-context.js';
import type { FormPage } from './render.js';
import { pageProviders, providerLabel } from './providers.js';
import { fixedMessage } from './fixed-message.js';

/** One field takes either answer: six digits are a TOTP code, anything else a recovery code. */
const answerOf = (b: { code?: string | undefined; webauthn?: string | undefined }): MfaAnswer => {
  // A passkey's answer that is no JSON is passed on as it is: core counts it a wrong answer.
  if (b.webauthn) return { webauthn: parseJson(b.webauthn) };
  const code = (b.code ?? '').replace(/\s/g, '');
  return /^\d{6}$/.test(code) ? { code } : { recoveryCode: code };
};
const parseJson = (text: string): unknown => {
  try { return JSON.parse(text); } catch { return text; }
};

/** /login (password, its second step, social providers), POST /logout. */
export async function signInRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, config, publicUrl, sessions, socialLogin, mfaLogin } = container;
  const returnTo = (raw: unknown) => safeReturnTo(raw, publicUrl, config.corsOrigins);
  const providers = pageProviders(container).map((name) => ({ name, label: providerLabel(name) }));
  const loginForm: FormPage = {
    view: 'login', title: 'Sign in',
    context: async (req) => ({ providers, returnTo: returnTo((req.body as { return_to?: unknown } | undefined)?.return_to) }),
  };
  // A wrong code shows the step again, with the same (still live) mfa_token.
  const stepForm: FormPage = {
    view: 'login-mfa', title: 'Sign in',
    context: async (req) => {
      const b = req.body as { mfa_token?: unknown; return_to?: unknown } | undefined;
      const mfaToken = typeof b?.mfa_token === 'string' ? b.mfa_token : '';
      const userId = mfaToken ? await mfaLogin.userOf(mfaToken) : undefined;
      return { mfaToken, methods: userId ? await mfaLogin.methodsOf(userId) : [], returnTo: returnTo(b?.return_to) };
    },
  };

  app.get('/login', { schema: { hide: true, querystring: LoginQuery } }, async (req, reply) => {
    await loadSession(container, req);
    const target = returnTo(req.query.return_to);
    // Already signed in: straight on, as the login would have sent them.
    if (req.currentUser) return reply.redirect(target ?? DEFAULT_LANDING, 303);
    // A social sign-in that needs the second factor (its callback left the mfa_token in a cookie).
    const pending = req.cookies[MFA_STEP_COOKIE];
    if (pending) {
      clearMfaStep(reply, config.cookieSecure);
      const userId = await mfaLogin.userOf(pending);
      return reply.page(stepForm.view, stepForm.title, { mfaToken: pending, methods: userId ? await mfaLogin.methodsOf(userId) : [], returnTo: target });
    }
    // A social sign-in this page started and the provider or callback refused (social-failure.ts).
    return reply.page('login', 'Sign in', { providers, returnTo: target, error: fixedMessage(SOCIAL_FAILURES, req.query.error) });
  });

  app.post('/login', {
    config: { form: loginForm, limit: { policy: 'login', account: bodyLogin('username') } },
    schema: { hide: true, body: LoginForm },
  }, async (req, reply) => {
    const target = returnTo(req.body.return_to);
    try {
      const { tokens } = await auth.login(req.body.username, req.body.password, { profile: 'users', secondStep: 'page', client: clientOf(req, 'pages') });
      setAuthCookie(reply, tokens, config.cookieSecure);
      return reply.redirect(target ?? DEFAULT_LANDING, 303);
    } catch (err) {
      // The password was right and the user has a second factor: the code step, token in a hidden field.
      if (!(err instanceof MfaRequired && err.challenge)) throw err;
      return reply.page(stepForm.view, stepForm.title, { mfaToken: err.challenge.mfaToken, methods: err.challenge.methods, returnTo: target });
    }
  });

  app.post('/login/mfa', {
    config: { form: stepForm, limit: { policy: 'mfa', account: bodyMfaToken('mfa_token') } },
    schema: { hide: true, body: MfaForm },
  }, async (req, reply) => {
    const target = returnTo(req.body.return_to);
    try {
      const { tokens } = await mfaLogin.verify(req.body.mfa_token, answerOf(req.body), clientOf(req, 'pages'));
      setAuthCookie(reply, tokens, config.cookieSecure);
      return reply.redirect(target ?? DEFAULT_LANDING, 303);
    } catch (err) {
      // A dead token (expired, spent, out of attempts): back to the password step.
      if (!(err instanceof MfaTokenInvalid)) throw err;
      return reply.code(400).page('login', 'Sign in', { providers, returnTo: target, error: pageFailure(err)!.message });
    }
  });

  // Ends the cookie's session (when it still has one) and clears the cookie either way.
  app.post('/logout', { schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    await loadSession(container, req);
    if (req.principal) await sessions.logout(req.principal, clientOf(req, 'pages'));
    clearAuthCookie(reply, config.cookieSecure);
    return reply.redirect('/login', 303);
  });

  // The social authorize of the users face with a backend of its own: its callback sets the
  // session cookie and sends the browser to return_to or /account instead of answering 204.
  for (const { name } of providers) {
    app.get(`/login/${name}`, { schema: { hide: true, querystring: ReturnToQuery } }, async (req, reply) => {
      const started = await socialLogin.authorize(name, { mode: 'login', backend: 'page', redirectUri: redirectUris(publicUrl, name).login });
      startFlow(reply, started, config.cookieSecure, returnTo(req.query.return_to) ?? DEFAULT_LANDING);
      return reply.redirect(started.authorizationUrl, 303);
    });
  }
}
