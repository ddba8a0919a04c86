import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { aegisErrorHandler } from './errors.js';
import { aegisRoutes } from './routes.js';

/** The aegis face: /auth, /auth/refresh, /me; errors as aegis-flavoured RFC 7807 problems. */
export async function aegisFace(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  const { config, publicUrl } = opts.container;
  app.setErrorHandler(aegisErrorHandler({ base: config.problemBase ?? `${publicUrl}/problems`, publicUrl }));
  await app.register(aegisRoutes, opts);
}
