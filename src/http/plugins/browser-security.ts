import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { installSecurityHeaders } from './security-headers.js';
import { canonicalOrigin } from '../origin-check.js';

/**
 * Helmet's headers for JSON answers: the set OWASP's REST Security Cheat Sheet
 * lists for APIs (no-store, a CSP that allows nothing and no framing, HSTS,
 * nosniff, X-Frame-Options) plus Cross-Origin-Resource-Policy and
 * Referrer-Policy. Helmet's other headers only act on HTML documents a browser
 * renders (opener isolation, DNS prefetch, the IE8 download prompt, Flash
 * policies, the retired XSS auditor) and are sent with the documents: /docs.
 */
const API_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/** Helmet's full set for HTML (the API docs), with a CSP that still lets them load their own scripts. */
const DOCUMENT_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"], baseUri: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'"],
      scriptSrc: ["'self'"], scriptSrcAttr: ["'none'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'", 'data:'],
    },
  },
  xFrameOptions: { action: 'deny' },
};

/**
 * What browsers are told: security headers on every response (above),
 * CORS only for the origins in TESSERA_CORS_ORIGINS (an unknown origin gets
 * no CORS headers, never an echo; with none configured the CORS plugin is not
 * even mounted, so a preflight finds no route and no request pays for it),
 * and `Cache-Control: no-store` on every response whose route did not choose
 * its own caching, since most carry a token or user data.
 */
export async function installBrowserSecurity(app: FastifyInstance, corsOrigins: string[]): Promise<void> {
  // no-store goes out with the headers; a route that chooses its own caching overwrites it. The
  // request id goes out on every response, errors and 404s included.
  await installSecurityHeaders(app, { 'cache-control': 'no-store' }, API_HEADERS, { echoRequestId: true });

  const allowed = new Set(corsOrigins.map(canonicalOrigin).filter((o): o is string => o !== undefined));
  if (allowed.size === 0) return;
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(canonicalOrigin(origin) ?? '')),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['X-Total-Count', 'Retry-After', 'WWW-Authenticate'],
    maxAge: 600,
  });
}

/** For a plugin context serving HTML documents: helmet's document headers over the API ones. */
export async function installDocumentHeaders(app: FastifyInstance): Promise<void> {
  await installSecurityHeaders(app, {}, DOCUMENT_HEADERS);
}

/**
 * For the hosted pages: helmet's document headers with a CSP that allows no inline script or
 * style at all (the stylesheet and, later, one script are the server's own files), forms that
 * post only to this server or, for a `return_to` landing after a form, to a trusted front end,
 * and no framing anywhere (clickjacking).
 */
export async function installPageHeaders(app: FastifyInstance, corsOrigins: string[]): Promise<void> {
  const trusted = corsOrigins.map(canonicalOrigin).filter((o): o is string => o !== undefined);
  await installSecurityHeaders(app, {}, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"], baseUri: ["'none'"], objectSrc: ["'none'"], frameAncestors: ["'none'"],
        formAction: ["'self'", ...trusted], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
