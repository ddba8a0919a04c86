import type { FastifyInstance } from 'fastify';

/**
 * A route no mounted face serves: `404 {"detail": "Not Found"}`, what FastAPI (and so the
 * FastAPI Users clients most migrations start from) answers for an unknown path. Fastify's own
 * body would echo the method and path and name the framework.
 */
export function installNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ detail: 'Not Found' }));
}
