import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * A route no mounted face serves: `404 {"detail": "Not Found"}`, what FastAPI (and so the
 * FastAPI Users clients most migrations start from) answers for an unknown path. Fastify's own
 * body would echo the method and path and name the framework.
 */
export function installNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((_req, reply) => notFound(reply));
}

/**
 * Fastify's `frameworkErrors` option: a path whose percent-encoding does not decode names no
 * resource, so it is the same 404 (FastAPI decodes it leniently and finds nothing either), not
 * Fastify's own 400 body naming the framework. Over-long parameters cannot happen (no limit is
 * reached before Node's header limit), and no route has an async constraint. Fastify answers
 * these outside any route, so no hook runs: no security headers or metrics, JSON even under
 * the pages' paths (as Fastify's own 400 was).
 */
export function frameworkErrorAnswer(_err: Error, _req: unknown, reply: FastifyReply): void {
  notFound(reply);
}

function notFound(reply: FastifyReply): void {
  void reply.code(404).send({ detail: 'Not Found' });
}
