import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { WebhookNotFound } from '../../../core/errors.js';
import { userGuard } from './guard.js';
import { Detail, IdParams, ValidationDetail, security } from './schemas.js';
import { uuidParam } from '../../id-params.js';
import { DeliveriesQuery, DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, toDeliveryRead, toWebhookCreated, toWebhookRead } from './webhook-schemas.js';

const tags = ['webhooks'];
const errors = { 400: Detail, 401: Detail, 403: Detail, 422: ValidationDetail };

/** A non-UUID id can name no endpoint: 404 without touching the database. */
const endpointId = (id: string): string => uuidParam(id, () => new WebhookNotFound());

/**
 * Webhook endpoints (admin): outside the `/users` plugin, so they exist whichever admin API
 * (FastAPI Users' or wisdom's) the face speaks.
 */
export async function webhookRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks } = container;
  const admin = { preValidation: userGuard(container, 'admin') };

  app.post('/webhooks', { ...admin, schema: { tags, security, body: WebhookCreate, response: { 201: WebhookCreated, ...errors } } }, async (req, reply) => {
    const { endpoint, secret } = await webhooks.create({ url: req.body.url, events: req.body.events });
    return reply.code(201).send(toWebhookCreated(endpoint, secret));
  });

  app.get('/webhooks', { ...admin, schema: { tags, security, response: { 200: Type.Array(WebhookRead), ...errors } } }, async () =>
    (await webhooks.list()).map(toWebhookRead));

  app.delete('/webhooks/:id', { ...admin, schema: { tags, security, params: IdParams, response: { 204: Type.Null(), ...errors, 404: Detail } } }, async (req, reply) => {
    await webhooks.delete(endpointId(req.params.id));
    return reply.code(204).send(null);
  });

  app.get('/webhooks/:id/deliveries', {
    ...admin, schema: { tags, security, params: IdParams, querystring: DeliveriesQuery, response: { 200: Type.Array(DeliveryRead), ...errors, 404: Detail } },
  }, async (req, reply) => {
    const { items, total } = await webhooks.deliveries(endpointId(req.params.id), { limit: req.query.limit, offset: req.query.offset });
    reply.header('x-total-count', String(total));
    return items.map(toDeliveryRead);
  });
}
