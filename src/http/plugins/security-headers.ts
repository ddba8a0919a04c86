import Fastify, { type FastifyInstance } from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';

/**
 * helmet's security headers, computed once. @fastify/helmet rebuilds every
 * helmet middleware (parsing the CSP directives again) on each request,
 * which measured at about 40% of the throughput of a simple authenticated
 * GET (docs/benchmarks.md). With a fixed configuration (no nonces, no
 * per-route options) the headers never change, so a throwaway instance with
 * the same plugin and options answers one request at start, and its extra
 * headers (with `defaults`, which a route may overwrite) are copied onto every
 * reply by one synchronous hook.
 */
export async function installSecurityHeaders(
  app: FastifyInstance, defaults: Record<string, string>, options: FastifyHelmetOptions, opts: { echoRequestId?: boolean } = {},
): Promise<void> {
  const headers = { ...defaults, ...(await helmetHeaders(options)) };
  // The request id (request-id.ts) is echoed by the same hook: one hook less on every request.
  app.addHook('onRequest', opts.echoRequestId
    ? (req, reply, done) => {
      reply.headers(headers);
      reply.header('x-request-id', req.id);
      done();
    }
    : (_req, reply, done) => {
      reply.headers(headers);
      done();
    });
}

async function answer(options?: FastifyHelmetOptions) {
  const probe = Fastify({ logger: false });
  if (options) await probe.register(helmet, { ...options, global: true });
  probe.get('/', async () => 'ok');
  const res = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return res.headers;
}

// What Fastify sends without helmet: the same for every set of options, so asked once.
let plainAnswer: ReturnType<typeof answer> | undefined;

async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const plain = await (plainAnswer ??= answer());
  const secured = await answer(options);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(secured)) {
    if (name in plain || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
