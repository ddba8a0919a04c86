import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { createWebhookService } from '../core/webhooks.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { lazy } from '../lazy.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Repos } from '../store/repos/index.js';
import { refuseUrl } from './address-policy.js';
import { createWebhookDispatcher } from './dispatcher.js';
import { createWebhookOutbox } from './outbox.js';
import { retrySchedule } from './schedule.js';
import { newWebhookSecret } from './signing.js';

/** Webhook timing, for tests: every field has a production default. */
export interface WebhookTiming {
  /** How often the dispatcher looks for due deliveries. */
  pollMs?: number;
  /** How often the endpoint list is re-read for other instances' changes. */
  endpointPollMs?: number;
  /** Shrinks the whole retry schedule, the 24 h included. */
  scheduleScale?: number;
  now?: () => number;
  timeoutMs?: number;
  concurrency?: number;
  /** False: no dispatcher runs (one-shot CLI commands; tests that drive it by hand with `tick()`). */
  autoStart?: boolean;
}

const POLL_MS = 1_000;
const ENDPOINT_POLL_MS = 5_000;
const TIMEOUT_MS = 10_000;
const CONCURRENCY = 8;

/**
 * Everything webhooks need, built once by the container: endpoint management (core), the outbox
 * (the audit log's sink) and the dispatcher. Endpoint secrets are sealed under the master key of
 * provider tokens, resolved on first use so that a server without webhooks writes no key.
 */
export async function createWebhooks(deps: {
  config: Config; repos: Repos; metrics: Metrics; logger: Logger; now: () => number; timing?: WebhookTiming;
  /** The server's master key, resolved on first use (secret-box.ts lazyMasterKey). */
  masterKey: () => Promise<Buffer>;
}) {
  const { config, repos, logger } = deps;
  const t = deps.timing ?? {};
  const now = t.now ?? deps.now;
  const openBox = lazy(async () => createSecretBox(await deps.masterKey(), 'webhook-secrets'));

  const outbox = createWebhookOutbox({
    repo: repos.webhooks, now, pollMs: t.endpointPollMs ?? ENDPOINT_POLL_MS,
    onError: (err) => logger.warn({ err }, 'webhook endpoint reload failed'),
  });
  await outbox.start();
  const service = createWebhookService({
    repo: repos.webhooks, box: openBox, newSecret: newWebhookSecret, now,
    checkUrl: (url) => refuseUrl(url, config.webhookAllowPrivate), onChange: () => outbox.refresh(),
  });
  const dispatcher = createWebhookDispatcher({
    repo: repos.webhooks, now, allowPrivate: config.webhookAllowPrivate,
    openSecret: async (sealed) => (await openBox()).open(sealed),
    hasEndpoints: outbox.hasEndpoints,
    onDisabled: () => { outbox.refresh().catch(() => {}); },
    count: (outcome) => deps.metrics.webhookDeliveries.inc({ outcome }),
    schedule: retrySchedule({ scale: t.scheduleScale ?? 1 }),
    pollMs: t.pollMs ?? POLL_MS, timeoutMs: t.timeoutMs ?? TIMEOUT_MS, concurrency: t.concurrency ?? CONCURRENCY,
    onError: (err) => logger.warn({ err }, 'webhook delivery failed'),
  });
  if (t.autoStart !== false) dispatcher.start();

  return {
    service, outbox, dispatcher,
    async stop(): Promise<void> {
      outbox.stop();
      await dispatcher.stop();
    },
  };
}
