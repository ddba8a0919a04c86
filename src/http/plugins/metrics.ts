import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics/metrics.js';

/** Route label of a request no route matched: its URL is never a label (unbounded, and may carry data). */
const UNMATCHED = 'unmatched';

/** Tags every route registered inside `scope` (and its children) with the face that serves it. */
export function tagFace(scope: FastifyInstance, face: string): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), face };
  });
}

/** One onResponse hook counts every request and observes its duration: a Map lookup and a few additions (request-tally.ts). */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    metrics.recordRequest(req.routeOptions.config.face ?? 'none', req.routeOptions.url ?? UNMATCHED, req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;
const isLoopback = (addr: string | undefined) => addr !== undefined && LOOPBACK.test(addr.trim().replace(/^\[|\]$/g, ''));

/**
 * A request from this machine and from nowhere else: the socket peer is
 * loopback, and so is every client a proxy says it forwarded for (trusted or
 * not: a local reverse proxy relaying a remote client is not a local client).
 */
export function isLoopbackRequest(req: FastifyRequest): boolean {
  if (!isLoopback(req.socket.remoteAddress) || !isLoopback(req.ip)) return false;
  const xff = req.headers['x-forwarded-for'];
  if (xff !== undefined && !String(xff).split(',').every((a) => isLoopback(a))) return false;
  const forwarded = req.headers.forwarded;
  if (forwarded !== undefined) {
    const fors = [...forwarded.matchAll(/for="?\[?([^\]";,]+)/gi)].map((m) => m[1]);
    if (fors.length === 0 || !fors.every((a) => isLoopback(a))) return false;
  }
  return true;
}

/** GET /metrics: Prometheus text. `loopbackOnly` on the main port; the metrics port answers anyone who reaches it. */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, opts: { loopbackOnly: boolean }): void {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (opts.loopbackOnly && !isLoopbackRequest(req)) return reply.code(403).send({ detail: 'Forbidden' });
    const { contentType, text } = await metrics.render();
    return reply.type(contentType).header('cache-control', 'no-store').send(text);
  });
}
