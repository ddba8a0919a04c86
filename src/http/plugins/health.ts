import type { FastifyInstance } from 'fastify';
import { checkWritable, pingDb } from '../../store/create-db.js';
import type { Container } from '../../container.js';

/** Liveness (process is up and ready) and readiness (database answers and accepts writes). */
export async function healthRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await pingDb(container.db);
      await checkWritable(container.db);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
