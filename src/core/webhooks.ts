import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import type { WebhookDeliveryRecord, WebhookEndpointRecord, WebhooksRepo } from '../store/repos/webhooks-repo.js';
import { InvalidWebhookUrl, UnknownEventType, WebhookNotFound } from './errors.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';

/** Why a URL is refused (the address policy's answer), or undefined when it may be used. */
export type UrlCheck = (url: string) => Promise<'invalid' | 'private' | 'unresolvable' | undefined>;

export interface WebhookServiceDeps {
  repo: WebhooksRepo;
  /** The box sealing endpoint secrets (resolved on first use: a server without webhooks keeps no key). */
  box: () => Promise<SecretBox>;
  checkUrl: UrlCheck;
  newSecret: () => string;
  /** Called after endpoints change, so this instance's outbox sees it at once. */
  onChange: () => Promise<void>;
  now: () => number;
}

const REASONS = {
  invalid: 'The URL must be an absolute http or https URL.',
  private: 'The URL points to a loopback, private or link-local address.',
  unresolvable: 'The URL\'s host does not resolve.',
} as const;

/** Endpoint management: one function per admin action, called by every face or page that offers it. */
export function createWebhookService(deps: WebhookServiceDeps) {
  /** The list as subscribed: known types only, duplicates dropped, `*` alone when present. */
  function checkEvents(events: string[]): string[] {
    events.forEach((type, i) => {
      if (type !== ALL_EVENTS && !WEBHOOK_EVENT_TYPES.includes(type)) throw new UnknownEventType(i, type);
    });
    return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)];
  }

  const found = async (id: string): Promise<WebhookEndpointRecord> => {
    const e = await deps.repo.findEndpoint(id);
    if (!e) throw new WebhookNotFound();
    return e;
  };

  return {
    /** A new endpoint and its secret, which is shown this once and kept only sealed. */
    async create(input: { url: string; events: string[] }): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
      const events = checkEvents(input.events);
      const refusal = await deps.checkUrl(input.url);
      if (refusal) throw new InvalidWebhookUrl(REASONS[refusal]);
      const secret = deps.newSecret();
      const endpoint: WebhookEndpointRecord = {
        id: randomUUID(), url: input.url, events, secretEnc: (await deps.box()).seal(secret), createdAt: deps.now(), disabled: false,
      };
      await deps.repo.insertEndpoint(endpoint);
      await deps.onChange();
      return { endpoint, secret };
    },

    list: (): Promise<WebhookEndpointRecord[]> => deps.repo.listEndpoints(),

    async delete(id: string): Promise<void> {
      if (!(await deps.repo.deleteEndpoint(id))) throw new WebhookNotFound();
      await deps.onChange();
    },

    /** An endpoint's recent deliveries, with the endpoint itself so a page showing both reads it once. */
    async deliveries(id: string, page: { limit: number; offset: number }):
      Promise<{ endpoint: WebhookEndpointRecord; items: WebhookDeliveryRecord[]; total: number }> {
      const endpoint = await found(id);
      return { endpoint, ...(await deps.repo.listDeliveries(id, page.limit, page.offset)) };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
