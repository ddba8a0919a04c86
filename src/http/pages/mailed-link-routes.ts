import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { bodyLogin, bodyToken } from '../plugins/rate-limit-accounts.js';
import { EmailForm, RegisterForm, ResetForm, TokenForm, TokenQuery } from './forms.js';
import { clientOf } from '../client-context.js';
import type { FormPage } from './render.js';

const tokenOf = (body: unknown) => (body as { token?: unknown } | undefined)?.token;

/**
 * /register, /forgot-password, and the pages mailed links open:
 * /reset-password and /verify. Their GETs only show a form (mail scanners
 * follow links); only the POST spends a token.
 */
export async function mailedLinkRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { users, accountTokens } = container;
  const hide = { hide: true };
  const registerForm: FormPage = { view: 'register', title: 'Create account' };
  const forgotForm: FormPage = { view: 'forgot-password', title: 'Reset your password' };
  const resetForm: FormPage = { view: 'reset-password', title: 'Set a new password', context: async (req) => ({ token: tokenOf(req.body) }) };
  const verifyForm: FormPage = { view: 'verify', title: 'Verify your email', context: async (req) => ({ token: tokenOf(req.body) }) };

  app.get('/register', { schema: hide }, async (_req, reply) => reply.page(registerForm.view, registerForm.title));

  app.post('/register', { config: { form: registerForm, limit: { policy: 'register', account: bodyLogin('email') } }, schema: { ...hide, body: RegisterForm } }, async (req, reply) => {
    const user = await users.register({ email: req.body.email, username: null, password: req.body.password }, clientOf(req, 'pages'));
    accountTokens.sendVerification(user, clientOf(req, 'pages'));
    // With TESSERA_MAIL=off nothing is sent: say only what happened.
    const notice = container.config.mail ? `Your account is created. We sent a link to ${user.email} to confirm the address.` : 'Your account is created.';
    return reply.page('message', container.config.mail ? 'Check your email' : 'Account created', { notice, next: { href: '/login', text: 'Sign in' } });
  });

  app.get('/forgot-password', { schema: hide }, async (_req, reply) => reply.page(forgotForm.view, forgotForm.title));

  // One answer whether or not the account exists (no user enumeration).
  app.post('/forgot-password', { config: { form: forgotForm, limit: { policy: 'mail', account: bodyLogin('email') } }, schema: { ...hide, body: EmailForm } }, async (req, reply) => {
    await accountTokens.forgotPassword(req.body.email, clientOf(req, 'pages'));
    return reply.page('message', 'Check your email', {
      notice: 'If an account uses that address, we sent it a link to set a new password. The link works for a limited time.',
      next: { href: '/login', text: 'Back to sign in' },
    });
  });

  app.get('/reset-password', { schema: { ...hide, querystring: TokenQuery } }, async (req, reply) =>
    reply.page(resetForm.view, resetForm.title, { token: req.query.token, ...(req.query.token ? {} : { error: 'This link is incomplete: open the whole link from the mail.' }) }));

  app.post('/reset-password', { config: { form: resetForm, limit: { policy: 'verify', account: bodyToken('token') } }, schema: { ...hide, body: ResetForm } }, async (req, reply) => {
    await accountTokens.resetPassword(req.body.token, req.body.password, clientOf(req, 'pages'));
    return reply.page('message', 'Password set', { notice: 'Your new password is set, and every session of your account has ended.', next: { href: '/login', text: 'Sign in' } });
  });

  app.get('/verify', { schema: { ...hide, querystring: TokenQuery } }, async (req, reply) =>
    reply.page(verifyForm.view, verifyForm.title, { token: req.query.token, ...(req.query.token ? {} : { error: 'This link is incomplete: open the whole link from the mail.' }) }));

  app.post('/verify', { config: { form: verifyForm, limit: { policy: 'verify', account: bodyToken('token') } }, schema: { ...hide, body: TokenForm } }, async (req, reply) => {
    await accountTokens.verify(req.body.token, clientOf(req, 'pages'));
    return reply.page('message', 'Email verified', { notice: 'Thank you: your email address is confirmed.', next: { href: '/account', text: 'Go to your account' } });
  });
}
