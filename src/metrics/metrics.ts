import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createRequestTally } from './request-tally.js';

/** Every metric name starts with this (process metrics too). */
export const METRIC_PREFIX = 'tessera_';

/** What the password-hash gauge reads at scrape time (src/core/hashing-queue.ts). */
export interface HashQueueProbe {
  waiting(): number;
  running(): number;
}

/** Outcomes of a webhook delivery; the counter starts at zero for each so dashboards see the series. */
export const WEBHOOK_OUTCOMES = ['delivered', 'failed', 'dropped'] as const;

// Process metrics (CPU, memory, event loop, GC) describe the process, not one container: registered once,
// however many containers a process builds (tests build hundreds), and merged into every scrape.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRIC_PREFIX });
  }
  return processRegistry;
}

/**
 * The server's Prometheus metrics, one registry per container. Counters are
 * incremented by the HTTP layer (requests), by wrappers the container and
 * app put around core services (logins, revocations), and later by the
 * webhook dispatcher (`webhookDeliveries.inc({ outcome })`).
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];

  // Counted per request, so tallied in plain numbers and made into series at scrape time (request-tally.ts).
  const http = createRequestTally(
    { requests: `${METRIC_PREFIX}http_requests_total`, duration: `${METRIC_PREFIX}http_request_duration_seconds` },
    { requests: 'HTTP requests answered, by face, route pattern, method and status.',
      duration: 'Time from request received to response sent, by face, route pattern and method.' },
    // Cached authenticated reads take well under a millisecond; a login is one argon2 hash (tens of ms).
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  registry.registerMetric(http.requests as never);
  registry.registerMetric(http.duration as never);
  const logins = new Counter({
    name: `${METRIC_PREFIX}logins_total`, help: 'Password logins, by face and outcome (success or the domain error code).',
    labelNames: ['face', 'outcome'] as const, registers,
  });
  const sessionsRevoked = new Counter({
    name: `${METRIC_PREFIX}sessions_revoked_total`, help: 'Sessions ended by this instance (logout, reuse detection, password change, deactivation).',
    registers,
  });
  const webhookDeliveries = new Counter({
    name: `${METRIC_PREFIX}webhook_deliveries_total`, help: 'Webhook delivery attempts, by outcome.',
    labelNames: ['outcome'] as const, registers,
  });
  for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);

  let hashQueue: HashQueueProbe | undefined;
  new Gauge({
    name: `${METRIC_PREFIX}password_hash_queue_depth`, help: 'Password hashes waiting for an argon2 thread (state="waiting") or being computed (state="running").',
    labelNames: ['state'] as const, registers,
    collect() {
      this.set({ state: 'waiting' }, hashQueue?.waiting() ?? 0);
      this.set({ state: 'running' }, hashQueue?.running() ?? 0);
    },
  });

  return {
    registry, logins, sessionsRevoked, webhookDeliveries,
    contentType: registry.contentType,
    /** Counts one answered request and observes its duration (the onResponse hook's one call). */
    recordRequest: http.record,
    /** The queue the password-hash gauge reads (it exists only once the container built the hasher). */
    observeHashQueue(probe: HashQueueProbe): void {
      hashQueue = probe;
    },
    /** The Prometheus text of this container's metrics and the process metrics. */
    async render(): Promise<string> {
      return Registry.merge([registry, processMetrics()]).metrics();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
