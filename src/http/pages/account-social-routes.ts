import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { UnknownOAuthProvider } from '../../core/errors.js';
import { redirectUris, startFlow } from '../faces/users/social-flow.js';
import { clientOf } from '../client-context.js';
import { CsrfOnly, ItemParams, ProviderParams } from './forms.js';
import { requireSignIn } from './page-session.js';
import { accountView } from './account-view.js';
import { pageProviders } from './providers.js';
import type { FormPage } from './render.js';

/**
 * /account's sign-in providers: link one (the users face's associate flow, started with a
 * backend of its own, `page`, whose callback comes back to /account) and unlink one.
 * Linking is a POST form (CSRF-checked): no other site can start it in the person's browser.
 */
export async function accountSocialRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { socialLogin, publicUrl, config } = container;
  const signedIn = { preValidation: requireSignIn(container, 'me') };
  const accountPage: FormPage = { view: 'account', title: 'Your account', context: (req) => accountView(container, req) };

  app.post('/account/link/:provider', { ...signedIn, config: { form: accountPage }, schema: { hide: true, params: ProviderParams, body: CsrfOnly } }, async (req, reply) => {
    const name = req.params.provider;
    if (!pageProviders(container).includes(name)) throw new UnknownOAuthProvider();
    const started = await socialLogin.authorize(name, {
      mode: 'associate', backend: 'page', redirectUri: redirectUris(publicUrl, name).associate, userId: req.principal!.userId,
    });
    startFlow(reply, started, config.cookieSecure, '/account');
    return reply.redirect(started.authorizationUrl, 303);
  });

  app.post('/account/identities/:id/unlink', { ...signedIn, config: { form: accountPage }, schema: { hide: true, params: ItemParams, body: CsrfOnly } }, async (req, reply) => {
    await socialLogin.unlink(req.principal!.userId, req.params.id, clientOf(req, 'pages'));
    return reply.redirect('/account?notice=social-unlinked', 303);
  });
}
