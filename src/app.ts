import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FaceName } from './config/schema.js';
import type { Container } from './container.js';
import { healthRoutes } from './http/plugins/health.js';
import { installValidators } from './http/plugins/validation.js';
import { usersFace } from './http/faces/users/index.js';
import './http/route-config.js';

const BODY_LIMIT = 64 * 1024;

type Face = (app: FastifyInstance, opts: { container: Container }) => Promise<void>;

/** Every face Tessera can mount; TESSERA_FACES picks which. */
export const FACES: Partial<Record<FaceName, Face>> = {
  users: usersFace,
};

/** The Fastify instance with every configured face mounted; tests inject() into it. */
export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config } = container;
  const app: FastifyInstance = Fastify({
    loggerInstance: container.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // `__proto__` / `constructor.prototype` keys are refused outright, never merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  installValidators(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('currentUser', null);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Tessera', version: process.env.npm_package_version ?? '0.1.0', description: 'Authentication and user management with the wire formats of FastAPI Users, OAuth2, a Flask JWT service and aegis.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { container });
  for (const name of config.faces) {
    const face = FACES[name];
    if (face) await app.register(face, { container });
  }
  return app;
}
