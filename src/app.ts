import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FaceName } from './config/schema.js';
import type { Container } from './container.js';
import { healthRoutes } from './http/plugins/health.js';
import { lazyRequestLogger } from './http/logger.js';
import { installValidators } from './http/plugins/validation.js';
import { compileSerializersOnce } from './http/plugins/compile-once.js';
import { installBrowserSecurity, installDocumentHeaders } from './http/plugins/browser-security.js';
import { installInputGuard } from './http/plugins/input-guard.js';
import { installJsonBody } from './http/plugins/json-body.js';
import { frameworkErrorAnswer, installNotFound } from './http/plugins/not-found.js';
import { installRateLimits } from './http/plugins/rate-limit.js';
import { installRequestMetrics, metricsRoute, tagFace } from './http/plugins/metrics.js';
import { countingLogins } from './metrics/login-metrics.js';
import { requestIdOf } from './http/request-id.js';
import { usersFace } from './http/faces/users/index.js';
import { oauth2Face } from './http/faces/oauth2/index.js';
import { simpleFace } from './http/faces/simple/index.js';
import { aegisFace } from './http/faces/aegis/index.js';
import { hostedPages } from './http/pages/index.js';
import { packageVersion } from './package-version.js';
import './http/route-config.js';

const BODY_LIMIT = 64 * 1024;

type Face = (app: FastifyInstance, opts: { container: Container }) => Promise<void>;

/** Every face Tessera can mount; TESSERA_FACES picks which. */
export const FACES: Partial<Record<FaceName, Face>> = {
  users: usersFace,
  oauth2: oauth2Face,
  simple: simpleFace,
  aegis: aegisFace,
};

/** The Fastify instance with every configured face mounted; tests inject() into it. */
export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config } = container;
  const app: FastifyInstance = Fastify({
    loggerInstance: container.logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    schemaController: { compilersFactory: { buildSerializer: compileSerializersOnce } },
    bodyLimit: BODY_LIMIT,
    // `__proto__` / `constructor.prototype` keys are refused outright, never merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // X-Request-Id is read (when well-formed) by genReqId, never taken raw.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Path params of any length reach the faces, which answer e.g. 404 for a non-UUID id,
    // instead of the router's own 414 (the request line is already bounded by Node's header limit).
    routerOptions: { maxParamLength: 16_384 },
    frameworkErrors: frameworkErrorAnswer,
  });
  installValidators(app);
  installRequestMetrics(app, container.metrics);
  app.decorateRequest('principal', null);
  app.decorateRequest('currentUser', null);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  installJsonBody(app);
  // Before any route: headers, CORS and no-store apply everywhere; NUL text and
  // the routes' declared rate limits (config.limit) are checked before validation.
  await installBrowserSecurity(app, config.corsOrigins);
  installInputGuard(app);
  installNotFound(app);
  await installRateLimits(app, container);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Tessera', version: packageVersion, description: 'Authentication and user management with the wire formats of FastAPI Users, OAuth2, a Flask JWT service and aegis.' },
      components: { securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'tessera_auth' },
      } },
    },
    // Shared schemas keep their $id (e.g. UserRead) as their component name instead of def-N.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // The docs are HTML a browser renders: they get helmet's document headers on top of the API ones.
  await app.register(async (docs) => {
    await installDocumentHeaders(docs);
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { container });
  metricsRoute(app, container.metrics, { loopbackOnly: true });
  for (const name of config.faces) {
    const face = FACES[name];
    // Each face's routes carry its name (metrics label) and its logins are counted under it.
    if (face) await app.register(async (scope) => {
      tagFace(scope, name);
      await scope.register(face, { container: countingLogins(container, name, container.metrics) });
    });
  }
  // TESSERA_PAGES: the hosted pages, in their own context (document headers, CSRF, HTML errors).
  if (config.pages) await app.register(async (scope) => {
    tagFace(scope, 'pages');
    await scope.register(hostedPages, { container: countingLogins(container, 'pages', container.metrics) });
  });
  return app;
}
