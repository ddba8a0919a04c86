import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from '../container.js';
import { healthRoutes } from './plugins/health.js';
import { metricsRoute } from './plugins/metrics.js';

/**
 * The TESSERA_METRICS_PORT listener: /metrics, /healthz and /readyz only,
 * for a scraper or orchestrator on a port the public proxy never forwards.
 * Whoever reaches this port may read the metrics: bind or firewall it.
 */
export async function buildMetricsApp(container: Container): Promise<FastifyInstance> {
  // Scrapes every few seconds would drown the log at info: this listener logs warnings and worse only.
  const logger = container.logger.child({ listener: 'metrics' }, { level: container.logger.isLevelEnabled('warn') ? 'warn' : container.logger.level });
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger, return503OnClosing: true });
  await app.register(healthRoutes, { container });
  metricsRoute(app, container.metrics, { loopbackOnly: false });
  return app;
}
