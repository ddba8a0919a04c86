import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,128}$/;

/**
 * Fastify's `genReqId`: the caller's X-Request-Id when it is 1-128 visible
 * ASCII characters (so a proxy's id follows the request into our logs),
 * otherwise a new UUID. Anything else (spaces, control or non-ASCII
 * characters, too long) could forge or break log lines, and is replaced.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && VISIBLE_ASCII.test(given) ? given : randomUUID();
}
