import { randomBytes } from 'node:crypto';
import { lazy } from '../lazy.js';

// Needed only once an endpoint is subscribed and something happens.
const standardWebhooks = lazy(() => import('standardwebhooks'));

/** A new endpoint secret in the Standard Webhooks form: `whsec_` and 32 random bytes, base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The three Standard Webhooks headers for one attempt. The signature covers
 * `<id>.<timestamp>.<body>` (HMAC-SHA256, `v1,<base64>`), made by the standardwebhooks package so
 * that receivers using it (or any conforming library) verify it unchanged.
 */
export async function signedHeaders(secret: string, msgId: string, at: Date, body: string): Promise<Record<string, string>> {
  const { Webhook } = await standardWebhooks();
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}
