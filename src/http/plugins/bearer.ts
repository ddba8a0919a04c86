import type { FastifyRequest } from 'fastify';

/** The token of an `Authorization: Bearer <t>` header (scheme case-insensitive), if any. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(h);
  return m?.[1];
}
