import type { FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import { AuthRequired } from './errors.js';

/** aegis strips `Bearer ` from the header and decodes the rest: `Bearer <t>` or the bare token. */
function aegisToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const token = /^(?:Bearer[ ]+)?([^\s]+)\s*$/i.exec(h)?.[1];
  // The scheme alone is no token.
  return token && token.toLowerCase() !== 'bearer' ? token : undefined;
}

/** preValidation hook: the access token (else AuthRequired) naming a live session. */
export function aegisGuard(container: Container) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = aegisToken(req);
    if (!token) throw new AuthRequired();
    req.principal = await container.sessions.authenticate(token);
  };
}
