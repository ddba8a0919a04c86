import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { signedInUser } from '../plugins/rate-limit-accounts.js';
import { AccountQuery, CsrfOnly, PasswordChangeForm, ProfileForm } from './forms.js';
import { requireSignIn } from './page-session.js';
import { clientOf } from '../client-context.js';
import type { FormPage } from './render.js';
import { accountView } from './account-view.js';
import { SOCIAL_FAILURES } from '../social-failure.js';
import { fixedMessage } from './fixed-message.js';

/** Fixed messages a redirect after a change may show (?notice=…): nothing from the URL is echoed. */
const NOTICES: Record<string, string> = {
  profile: 'Your profile is saved.',
  'email-changed': 'Your profile is saved. We sent a link to your new address to confirm it.',
  password: 'Your password is changed. Your other sessions have ended.',
  'verify-sent': 'We sent you a link to confirm your email address.',
  'totp-removed': 'Your authenticator app is removed.',
  'passkey-added': 'Your passkey is added.',
  'passkey-removed': 'The passkey is removed.',
  'session-ended': 'That session has ended.',
  'sessions-ended': 'Your other sessions have ended.',
  'social-linked': 'The sign-in provider is linked: you can sign in with it.',
  'social-unlinked': 'The sign-in provider is unlinked.',
};

/**
 * /account: what the signed-in person sees and changes about themselves. Each
 * change is the users face's PATCH /users/me in core terms (users.update as
 * the person, not as an admin), so its rules hold here too.
 */
export async function accountRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { users, accountTokens } = container;
  const signedIn = { preValidation: requireSignIn(container, 'me') };
  const limit = { policy: 'account' as const, account: signedInUser };
  // A failed form renders the account page again around the message.
  const accountPage: FormPage = { view: 'account', title: 'Your account', context: (req) => accountView(container, req) };
  const actorOf = (req: FastifyRequest) => ({ actor: req.principal!, asAdmin: false, client: clientOf(req, 'pages') });

  app.get('/account', { ...signedIn, schema: { hide: true, querystring: AccountQuery } }, async (req, reply) =>
    reply.page(accountPage.view, accountPage.title, {
      ...(await accountView(container, req)), notice: fixedMessage(NOTICES, req.query.notice), error: fixedMessage(SOCIAL_FAILURES, req.query.error),
    }));

  app.post('/account/profile', { ...signedIn, config: { form: accountPage, limit }, schema: { hide: true, body: ProfileForm } }, async (req, reply) => {
    const b = req.body;
    const current = b.current_password ? { oldPassword: b.current_password } : {};
    // An empty email field leaves the email as it is; an empty username removes it.
    const before = req.currentUser!;
    const after = await users.update(before.id, { ...(b.email ? { email: b.email } : {}), username: b.username === '' ? null : b.username }, { ...actorOf(req), ...current });
    // A new address is unverified (core): the person gets its confirmation link at once.
    const emailChanged = after.email !== null && after.email !== before.email && !after.isVerified;
    if (emailChanged) accountTokens.sendVerification(after, clientOf(req, 'pages'));
    return reply.redirect(`/account?notice=${emailChanged ? 'email-changed' : 'profile'}`, 303);
  });

  app.post('/account/password', { ...signedIn, config: { form: accountPage, limit }, schema: { hide: true, body: PasswordChangeForm } }, async (req, reply) => {
    await users.update(req.currentUser!.id, { password: req.body.new_password }, { ...actorOf(req), oldPassword: req.body.current_password });
    return reply.redirect('/account?notice=password', 303);
  });

  app.post('/account/verify-email', { ...signedIn, config: { form: accountPage, limit: { policy: 'mail', account: signedInUser } }, schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    accountTokens.sendVerification(req.currentUser!, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=verify-sent', 303);
  });
}
