import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { bearerToken } from '../../plugins/bearer.js';
import { AuthRequired } from './errors.js';

/** preValidation hook: `Authorization: Bearer <token>` (else AuthRequired) naming a live session. */
export function aegisGuard(container: Container) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req);
    if (!token) throw new AuthRequired();
    req.principal = await container.sessions.authenticate(token);
  };
}
