import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import { installSecurityHeaders } from './security-headers.js';
import { canonicalOrigin } from '../origin-check.js';

/**
 * What browsers are told: security headers on every response (helmet, with a
 * CSP that still lets /docs load its own scripts), CORS only for the origins
 * in TESSERA_CORS_ORIGINS (an unknown origin gets no CORS headers, never an
 * echo), and `Cache-Control: no-store` on every response whose route did not
 * choose its own caching, since most carry a token or user data.
 */
export async function installBrowserSecurity(app: FastifyInstance, corsOrigins: string[]): Promise<void> {
  // Same helmet options, but the headers are computed once instead of per request (security-headers.ts).
  await installSecurityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], baseUri: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'"],
        scriptSrc: ["'self'"], scriptSrcAttr: ["'none'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'", 'data:'],
      },
    },
    frameguard: { action: 'deny' },
  });

  const allowed = new Set(corsOrigins.map(canonicalOrigin).filter((o): o is string => o !== undefined));
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(canonicalOrigin(origin) ?? '')),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['X-Total-Count', 'Retry-After', 'WWW-Authenticate'],
    maxAge: 600,
  });

  // Callback style: runs on every response, no promise needed.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
