import { Type, type Static } from '@sinclair/typebox';
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from '../../../store/repos/index.js';

export const WebhookCreate = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  // Names are checked by the core (422 naming the unknown one); here only the shape.
  events: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100 }),
});

const Endpoint = {
  id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), created_at: Type.String(),
};
export const WebhookCreated = Type.Object({ ...Endpoint, secret: Type.String() });
export const WebhookRead = Type.Object({ ...Endpoint, disabled: Type.Boolean() }, { $id: 'WebhookRead' });
export const DeliveryRead = Type.Object({
  id: Type.String(), event_id: Type.String(), status: Type.String(), attempts: Type.Integer(),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]), last_status: Type.Union([Type.Integer(), Type.Null()]),
}, { $id: 'WebhookDeliveryRead' });

export const DeliveriesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 }),
});

const iso = (ms: number) => new Date(ms).toISOString();

export const toWebhookRead = (e: WebhookEndpointRecord): Static<typeof WebhookRead> => ({
  id: e.id, url: e.url, events: e.events, created_at: iso(e.createdAt), disabled: e.disabled,
});

export const toWebhookCreated = (e: WebhookEndpointRecord, secret: string): Static<typeof WebhookCreated> => ({
  id: e.id, url: e.url, events: e.events, secret, created_at: iso(e.createdAt),
});

export const toDeliveryRead = (d: WebhookDeliveryRecord): Static<typeof DeliveryRead> => ({
  id: d.id, event_id: d.eventId, status: d.status, attempts: d.attempts,
  next_attempt_at: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt), last_status: d.lastStatus,
});
