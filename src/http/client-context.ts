import type { FastifyRequest } from 'fastify';
import { truncateUserAgent, type ClientContext } from '../core/audit.js';

/**
 * Who and where a request comes from, for the core calls that record events or open sessions:
 * the face serving the route (app.ts tags every face's routes; pages pass `pages`), the client
 * address (proxies per TESSERA_TRUSTED_PROXIES), the user agent (truncated) and the signed-in actor.
 */
export function clientOf(req: FastifyRequest, face?: string): ClientContext {
  const ua = req.headers['user-agent'];
  const name = face ?? req.routeOptions.config.face;
  return {
    ...(name ? { face: name } : {}),
    ip: req.ip ?? null,
    userAgent: truncateUserAgent(typeof ua === 'string' ? ua : null),
    actorId: req.principal?.userId ?? null,
  };
}
