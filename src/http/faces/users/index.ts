import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { authRoutes } from './auth-routes.js';
import { mfaRoutes } from './mfa-routes.js';
import { usersErrorHandler } from './errors.js';
import { sessionRoutes } from './session-routes.js';
import { passkeyRoutes } from './passkey-routes.js';
import { socialRoutes } from './social-routes.js';
import { usersRoutes } from './users-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { wisdomUsersRoutes } from './wisdom/routes.js';

/** The FastAPI Users face: /auth/*, /users/* and the admin /webhooks, errors as `{"detail": …}`. */
export async function usersFace(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  app.setErrorHandler(usersErrorHandler);
  await app.register(authRoutes, opts);
  // TESSERA_USERS_ADMIN_API picks whose /users API this face speaks (wisdom's: docs/wisdom.md).
  await app.register(opts.container.config.usersAdminApi === 'wisdom' ? wisdomUsersRoutes : usersRoutes, opts);
  await app.register(socialRoutes, opts);
  // Outside the /users plugin: the sessions API and /audit exist whichever API /users speaks.
  await app.register(sessionRoutes, opts);
  await app.register(webhookRoutes, opts);
  await app.register(passkeyRoutes, opts);
  await app.register(mfaRoutes, opts);
}
