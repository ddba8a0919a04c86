import 'dotenv/config';
import { buildApp } from './app.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { createContainer } from './container.js';
import { ensureSuperuser } from './core/bootstrap.js';
import { createLogger } from './http/logger.js';
import { buildMetricsApp } from './http/metrics-server.js';
import { startupFields } from './startup-line.js';

/** Starts the server: config, container, app, listen; SIGTERM/SIGINT drain then close. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tessera: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const container = await createContainer({ config, logger });
  if (config.bootstrapSuperuserEmail && config.bootstrapSuperuserPassword) {
    if (await ensureSuperuser(container, config.bootstrapSuperuserEmail, config.bootstrapSuperuserPassword)) {
      logger.info('bootstrap superuser created');
    }
  }
  const app = await buildApp(container);
  await app.listen({ host: config.host, port: config.port });
  const metricsApp = config.metricsPort ? await buildMetricsApp(container) : undefined;
  await metricsApp?.listen({ host: config.host, port: config.metricsPort! });
  logger.info(startupFields(config, config.metricsPort), 'tessera started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await Promise.all([app.close(), metricsApp?.close()]); // finishes in-flight requests, refuses new ones
    await container.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`tessera: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
