import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import csrf from '@fastify/csrf-protection';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { Container } from '../../container.js';
import { installPageHeaders } from '../plugins/browser-security.js';
import { loadAsset, pagesDir } from './assets.js';
import { pageFailure } from './errors.js';
import { echoedValues, pageRenderer } from './render.js';
import { signInRoutes } from './sign-in-routes.js';
import { mailedLinkRoutes } from './mailed-link-routes.js';
import { accountRoutes } from './account-routes.js';
import { accountSecurityRoutes } from './account-security-routes.js';
import { accountSocialRoutes } from './account-social-routes.js';
import { adminRoutes } from './admin-routes.js';
import { adminConsoleRoutes } from './admin-console-routes.js';

/**
 * The hosted pages (TESSERA_PAGES): server-rendered HTML over the same core
 * calls as the faces. Every POST form carries a CSRF token (double submit: a
 * secret in an HttpOnly cookie, a token derived from it in the form); a POST
 * without a valid one is a 403 page and runs no handler.
 */
export async function hostedPages(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const { config } = container;
  await installPageHeaders(app, config.corsOrigins);
  await app.register(view, { engine: { eta: new Eta({ autoEscape: true, autoTrim: false }) }, templates: pagesDir('templates'), production: true });
  // The __Host- prefix pins the cookie to this host and path /, which browsers allow only with Secure.
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: config.cookieSecure ? '__Host-tessera_csrf' : 'tessera_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: config.cookieSecure },
    // Only a single text field counts: a repeated one (an array) is no token.
    getToken: (req) => {
      const token = (req.body as { _csrf?: unknown } | undefined)?._csrf;
      return typeof token === 'string' ? token : undefined;
    },
  });
  // Before every POST route's own hooks (guards, rate limits by account): a forged form changes nothing.
  app.addHook('preValidation', (req, reply, done) => (req.method === 'POST' ? app.csrfProtection(req, reply, done) : done()));

  const stylesheet = loadAsset('pages.css', 'text/css; charset=utf-8');
  // The one script (passkeys: WebAuthn needs JavaScript); every other page works without it.
  const script = loadAsset('passkeys.js', 'text/javascript; charset=utf-8');
  app.decorateReply('page', pageRenderer({ product: config.productName, stylesheet: stylesheet.path, script: script.path, scopePolicy: container.scopePolicy }));
  for (const asset of [stylesheet, script]) {
    app.get(asset.path, { schema: { hide: true } }, async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body));
  }

  app.setErrorHandler(pageErrorHandler);
  const opts = { container };
  await app.register(signInRoutes, opts);
  await app.register(mailedLinkRoutes, opts);
  await app.register(accountRoutes, opts);
  await app.register(accountSecurityRoutes, opts);
  await app.register(accountSocialRoutes, opts);
  await app.register(adminRoutes, opts);
  await app.register(adminConsoleRoutes, opts);
}

/**
 * Errors as pages: a failed form shows again, filled in (never with a secret), with the
 * message in a role="alert" element; anything else is a short page with the message.
 */
async function pageErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const failure = pageFailure(err);
  if (!failure) req.log.error({ err }, 'unhandled error');
  const { status, message } = failure ?? { status: 500, message: 'Something went wrong. Try again later.' };
  reply.code(status);
  if (status === 503) reply.header('retry-after', '1');
  const form = req.routeOptions.config?.form;
  // A 404 (the user the form was about is gone) has no form left to show.
  if (form && req.method === 'POST' && status < 500 && status !== 404) {
    const extra = form.context ? await form.context(req).catch(() => undefined) : {};
    if (extra) return reply.page(form.view, form.title, { ...extra, values: echoedValues(req.body), error: message });
  }
  return reply.page('message', status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong', { error: message });
}
