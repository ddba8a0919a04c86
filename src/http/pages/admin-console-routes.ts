import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { AUDIT_EVENT_TYPES } from '../../core/audit.js';
import { WebhookNotFound } from '../../core/errors.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../core/webhook-event-types.js';
import { noStore } from '../faces/users/login-response.js';
import { AuditQuery, CsrfOnly, IdParams, PageQuery, WebhookForm } from './forms.js';
import { requireSignIn } from './page-session.js';
import { when } from './account-view.js';
import { isUuid, uuidParam } from '../id-params.js';
import type { FormPage } from './render.js';
import { fixedMessage } from './fixed-message.js';

const AUDIT_PAGE = 50;
const DELIVERIES_SHOWN = 50;
const NOTICES: Record<string, string> = { 'webhook-deleted': 'The webhook endpoint is deleted.' };

/** A non-UUID id names no endpoint: a 404 page without touching the database. */
const endpointId = (id: string): string => uuidParam(id, () => new WebhookNotFound());

/**
 * /admin/audit and /admin/webhooks: the audit log (GET /audit) and the webhook endpoints'
 * admin API (create, list, delete, deliveries) as pages, through the same core calls.
 */
export async function adminConsoleRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { audit, users, webhooks } = container;
  const admin = { preValidation: requireSignIn(container, 'admin') };
  const common = { wide: true, when, eventTypes: WEBHOOK_EVENT_TYPES, allEvents: ALL_EVENTS };
  const webhooksPage: FormPage = { view: 'admin-webhooks', title: 'Webhooks', context: async () => ({ ...common, endpoints: await webhooks.list() }) };

  app.get('/admin/audit', { ...admin, schema: { hide: true, querystring: AuditQuery } }, async (req, reply) => {
    const { page } = req.query;
    const type = AUDIT_EVENT_TYPES.find((t) => t === req.query.type);
    const who = req.query.user?.trim() || undefined;
    // A user given by id, email or username; one nobody has matches no event.
    const userId = who === undefined ? undefined : isUuid(who) ? who.toLowerCase() : (await users.findByLogin(who))?.id ?? '00000000-0000-0000-0000-000000000000';
    const { items, total } = await audit.list({ ...(type ? { type } : {}), ...(userId ? { userId } : {}), limit: AUDIT_PAGE, offset: (page - 1) * AUDIT_PAGE });
    const query = new URLSearchParams({ ...(type ? { type } : {}), ...(who ? { user: who } : {}) }).toString();
    return reply.page('admin-audit', 'Audit log', {
      ...common, items, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE)), type: type ?? '', user: who ?? '', query, auditTypes: AUDIT_EVENT_TYPES,
    });
  });

  app.get('/admin/webhooks', { ...admin, schema: { hide: true, querystring: PageQuery } }, async (req, reply) =>
    reply.page(webhooksPage.view, webhooksPage.title, { ...(await webhooksPage.context!(req)), notice: fixedMessage(NOTICES, req.query.notice) }));

  // The secret is shown on this answer only (it is kept sealed); a reload would create another endpoint, so no-store.
  app.post('/admin/webhooks', { ...admin, config: { form: webhooksPage }, schema: { hide: true, body: WebhookForm } }, async (req, reply) => {
    const picked = req.body.events === undefined ? [] : ([] as string[]).concat(req.body.events);
    const { endpoint, secret } = await webhooks.create({ url: req.body.url.trim(), events: picked.length ? picked : [ALL_EVENTS] });
    noStore(reply);
    return reply.page('admin-webhook-created', 'Webhook created', { ...common, endpoint, secret });
  });

  app.get('/admin/webhooks/:id', { ...admin, schema: { hide: true, params: IdParams } }, async (req, reply) => {
    const { endpoint, items, total } = await webhooks.deliveries(endpointId(req.params.id), { limit: DELIVERIES_SHOWN, offset: 0 });
    return reply.page('admin-webhook', 'Webhook', { ...common, endpoint, deliveries: items, total });
  });

  app.post('/admin/webhooks/:id/delete', { ...admin, config: { form: webhooksPage }, schema: { hide: true, params: IdParams, body: CsrfOnly } }, async (req, reply) => {
    await webhooks.delete(endpointId(req.params.id));
    return reply.redirect('/admin/webhooks?notice=webhook-deleted', 303);
  });
}
