import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { oauth2ErrorHandler } from './errors.js';
import { introspectionRoutes } from './introspection-routes.js';
import { metadataRoutes } from './metadata-routes.js';
import { refuseRepeated } from './params.js';
import { tokenRoutes } from './token-routes.js';
import { wisdomUsersRoutes } from '../users/wisdom/routes.js';

/** The OAuth 2.0 face: /oauth/* and /.well-known/*, errors as RFC 6749 §5.2 `{"error", "error_description"}`. */
export async function oauth2Face(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  app.setErrorHandler(oauth2ErrorHandler);
  await app.register(async (oauth) => {
    // RFC 6749 §5.1: token responses, errors included, must never be cached; the same holds for introspection.
    oauth.addHook('onSend', (_req, reply, payload, done) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      done(null, payload);
    });
    oauth.addHook('preValidation', refuseRepeated);
    await oauth.register(tokenRoutes, opts);
    await oauth.register(introspectionRoutes, opts);
  });
  await app.register(metadataRoutes, opts);
  // wisdom's service had its /users API next to its OAuth2 endpoints: a deployment replacing it
  // with this face alone (no users face) still gets it.
  const { config } = opts.container;
  if (config.usersAdminApi === 'wisdom' && !config.faces.includes('users')) await app.register(wisdomUsersRoutes, opts);
}
