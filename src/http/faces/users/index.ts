import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { authRoutes } from './auth-routes.js';
import { usersErrorHandler } from './errors.js';
import { socialRoutes } from './social-routes.js';
import { usersRoutes } from './users-routes.js';

/** The FastAPI Users face: /auth/* and /users/*, errors as `{"detail": …}`. */
export async function usersFace(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  app.setErrorHandler(usersErrorHandler);
  await app.register(authRoutes, opts);
  await app.register(usersRoutes, opts);
  await app.register(socialRoutes, opts);
}
