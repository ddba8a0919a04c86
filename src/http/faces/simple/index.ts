import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { readGetBody } from './args.js';
import { simpleErrorHandler } from './errors.js';
import { tokenRoutes } from './token-routes.js';
import { userRoutes } from './user-routes.js';

/** The Flask JWT service face: /token, /check, /pubkey, /refresh_token, /user, /version; errors as `{"message"}`. */
export async function simpleFace(app: FastifyInstance, opts: { container: Container }): Promise<void> {
  app.setErrorHandler(simpleErrorHandler);
  // Runs before the routes' own preValidation guards, so a token sent in a GET body is seen.
  app.addHook('preValidation', readGetBody);
  await app.register(tokenRoutes, opts);
  await app.register(userRoutes, opts);
}
