import type { FastifyRequest } from 'fastify';

/** Who/where a users-face request came from, for audit events and sessions. */
export const clientOf = (req: FastifyRequest) => ({
  face: 'users',
  ip: req.ip ?? null,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
  actorId: req.principal?.userId ?? null,
});
