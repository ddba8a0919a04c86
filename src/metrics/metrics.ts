import { lazy } from '../lazy.js';
import { createCounterTally } from './counter-tally.js';
import { createRequestTally } from './request-tally.js';
import { scrapedMetric } from './scraped-metric.js';

// The registry and its text format, loaded by the first scrape: every metric below is plain
// numbers until then, so a server nobody scrapes never holds prom-client (~1.7 MB of heap).
const promClient = lazy(() => import('prom-client'));

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
const processMetrics = lazy(async () => {
  const { Registry, collectDefaultMetrics } = await promClient();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
});

/**
 * The server's Prometheus metrics, one registry per container. Counters are
 * incremented by the HTTP layer (requests), by wrappers the container and
 * app put around core services (logins, revocations), and later by the
 * webhook dispatcher (`webhookDeliveries.inc({ outcome })`).
 */
export function createMetrics() {
  // Counted per request, so tallied in plain numbers and made into series at scrape time (request-tally.ts).
  const http = createRequestTally(
    { requests: `${METRIC_PREFIX}http_requests_total`, duration: `${METRIC_PREFIX}http_request_duration_seconds` },
    { requests: 'HTTP requests answered, by face, route pattern, method and status.',
      duration: 'Time from request received to response sent, by face, route pattern and method.' },
    // Cached authenticated reads take well under a millisecond; a login is one argon2 hash (tens of ms).
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  const logins = createCounterTally(`${METRIC_PREFIX}logins_total`,
    'Password logins, by face and outcome (success or the domain error code).', ['face', 'outcome'] as const);
  const sessionsRevoked = createCounterTally(`${METRIC_PREFIX}sessions_revoked_total`,
    'Sessions ended by this instance (logout, reuse detection, password change, deactivation).');
  const webhookDeliveries = createCounterTally(`${METRIC_PREFIX}webhook_deliveries_total`, 'Webhook delivery attempts, by outcome.', ['outcome'] as const);
  for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);

  let hashQueue: HashQueueProbe | undefined;
  const hashQueueDepth = scrapedMetric(`${METRIC_PREFIX}password_hash_queue_depth`,
    'Password hashes waiting for an argon2 thread (state="waiting") or being computed (state="running").', 'gauge',
    () => [{ value: hashQueue?.waiting() ?? 0, labels: { state: 'waiting' } }, { value: hashQueue?.running() ?? 0, labels: { state: 'running' } }]);
  // Built once, at the first scrape: the registry only holds the metrics, which read their numbers when scraped.
  const scrapeRegistry = lazy(async () => {
    const { Registry } = await promClient();
    const own = new Registry();
    for (const m of [http.requests, http.duration, logins.metric, sessionsRevoked.metric, webhookDeliveries.metric, hashQueueDepth]) own.registerMetric(m as never);
    return Registry.merge([own, await processMetrics()]);
  });

  return {
    logins, sessionsRevoked, webhookDeliveries,
    /** Counts one answered request and observes its duration (the onResponse hook's one call). */
    recordRequest: http.record,
    /** The queue the password-hash gauge reads (it exists only once the container built the hasher). */
    observeHashQueue(probe: HashQueueProbe): void {
      hashQueue = probe;
    },
    /** The Prometheus text of this container's metrics and the process metrics, with its content type. */
    async render(): Promise<{ contentType: string; text: string }> {
      const registry = await scrapeRegistry();
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
