import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { otpauthQrSvg } from '../../core/mfa/qr-svg.js';
import { signedInUser } from '../plugins/rate-limit-accounts.js';
import { noStore } from '../faces/users/login-response.js';
import { clientOf } from '../client-context.js';
import { CodeForm, CsrfOnly, ItemParams } from './forms.js';
import { requireSignIn } from './page-session.js';
import { accountView } from './account-view.js';
import type { FormPage } from './render.js';

/** The QR code as inline SVG (markup, no script: the CSP allows it), named for screen readers. */
const qrOf = async (uri: string) => (await otpauthQrSvg(uri)).replace('<svg ', '<svg role="img" aria-label="QR code of your authenticator app secret" ');

/**
 * /account's second factors and sessions: TOTP (set up, confirm, remove), recovery codes,
 * passkey removal, ending sessions. The page session is the sign-in's own access token, so it is
 * `fresh` for its whole life: enrolment needs no extra password (docs/pages.md).
 */
export async function accountSecurityRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { mfa, passkeys, accountSessions } = container;
  const signedIn = { preValidation: requireSignIn(container, 'me') };
  const accountPage: FormPage = { view: 'account', title: 'Your account', context: (req) => accountView(container, req) };
  const setupPage: FormPage = {
    view: 'totp-setup', title: 'Set up authenticator app',
    context: async (req) => {
      const pending = await mfa.pendingTotp(req.principal!);
      return pending ? { secret: pending.secret, uri: pending.otpauthUri, qr: await qrOf(pending.otpauthUri) } : { secret: null, uri: null, qr: null };
    },
  };
  const showCodes = (codes: string[]) => ({ codes });

  // A new pending secret, shown on its own page (a reload shows the same one, not a new one).
  app.post('/account/totp', { ...signedIn, config: { form: accountPage }, schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    await mfa.enrollTotp(req.principal!);
    return reply.redirect('/account/totp', 303);
  });

  app.get('/account/totp', { ...signedIn, schema: { hide: true } }, async (req, reply) => {
    const view = await setupPage.context!(req);
    if (!view.secret) return reply.redirect('/account', 303);
    noStore(reply);
    return reply.page(setupPage.view, setupPage.title, view);
  });

  app.post('/account/totp/confirm', { ...signedIn, config: { form: setupPage, limit: { policy: 'mfa', account: signedInUser } }, schema: { hide: true, body: CodeForm } }, async (req, reply) => {
    const codes = await mfa.confirmTotp(req.principal!, req.body.code.replace(/\s/g, ''), clientOf(req, 'pages'));
    noStore(reply);
    return reply.page('recovery-codes', 'Recovery codes', { ...showCodes(codes), notice: 'Your authenticator app is set up: sign-in now asks for its code.' });
  });

  app.post('/account/totp/remove', { ...signedIn, config: { form: accountPage }, schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    await mfa.removeTotp(req.principal!, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=totp-removed', 303);
  });

  app.post('/account/recovery-codes', { ...signedIn, config: { form: accountPage }, schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    const codes = await mfa.regenerateRecoveryCodes(req.principal!);
    noStore(reply);
    return reply.page('recovery-codes', 'Recovery codes', { ...showCodes(codes), notice: 'New recovery codes: the old ones no longer work.' });
  });

  app.post('/account/passkeys/:id/remove', { ...signedIn, config: { form: accountPage }, schema: { hide: true, params: ItemParams, body: CsrfOnly } }, async (req, reply) => {
    await passkeys.remove(req.principal!, req.params.id, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=passkey-removed', 303);
  });

  app.post('/account/sessions/:id/end', { ...signedIn, config: { form: accountPage }, schema: { hide: true, params: ItemParams, body: CsrfOnly } }, async (req, reply) => {
    await accountSessions.end(req.principal!.userId, req.params.id, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=session-ended', 303);
  });

  app.post('/account/sessions/end-others', { ...signedIn, config: { form: accountPage }, schema: { hide: true, body: CsrfOnly } }, async (req, reply) => {
    await accountSessions.endOthers(req.principal!.userId, req.principal!.sid, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=sessions-ended', 303);
  });
}
