import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { SessionNotFound, UserNotFound } from '../../../core/errors.js';
import { clientOf } from '../../client-context.js';
import { userGuard } from './guard.js';
import { Detail, IdParams, ValidationDetail, security } from './schemas.js';
import { userIdParam, uuidParam } from '../../id-params.js';
import { AuditEventRead, AuditQuery, EventsQuery, SessionIdParams, SessionRead, toSessionRead } from './session-schemas.js';

const tags = ['users: sessions and security events'];
const errors = { 401: Detail, 403: Detail, 422: ValidationDetail };
const Empty = Type.Null();

/** A query value the schema let through but no date can be (a leap second): the face's 422, as a schema failure would be. */
function invalidQuery(field: string): Error {
  return Object.assign(new Error(`querystring/${field} is invalid`), {
    statusCode: 400, validationContext: 'querystring', validation: [{ keyword: 'format', instancePath: `/${field}`, schemaPath: '', params: {}, message: 'invalid' }],
  });
}

/** `since` as epoch ms. */
function sinceOf(raw: string): number {
  const at = Date.parse(raw);
  if (!Number.isFinite(at)) throw invalidQuery('since');
  return at;
}

/**
 * The sessions API and the audit log (users face). Registered beside the `/users` plugin, not in
 * it, so both TESSERA_USERS_ADMIN_API modes have them; an admin's `{id}` is the user's UUID, or
 * in either mode the integer account number wisdom's clients know users by.
 */
export async function sessionRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { accountSessions, audit, users } = container;
  const me = { preValidation: userGuard(container, 'me') };
  const admin = { preValidation: userGuard(container, 'admin') };

  const target = (raw: string): Promise<string> => userIdParam(raw, users.getByAccountNumber, () => new UserNotFound());

  app.get('/users/me/sessions', { ...me, schema: { tags, security, response: { 200: Type.Array(SessionRead), ...errors } } }, async (req) =>
    (await accountSessions.list(req.currentUser!.id)).map((s) => toSessionRead(s, req.principal!.sid)));

  app.delete('/users/me/sessions/:id', { ...me, schema: { tags, security, params: SessionIdParams, response: { 204: Empty, ...errors, 404: Detail } } }, async (req, reply) => {
    await accountSessions.end(req.currentUser!.id, uuidParam(req.params.id, () => new SessionNotFound()), clientOf(req));
    return reply.code(204).send(null);
  });

  app.delete('/users/me/sessions', { ...me, schema: { tags, security, response: { 204: Empty, ...errors } } }, async (req, reply) => {
    await accountSessions.endOthers(req.currentUser!.id, req.principal!.sid, clientOf(req));
    return reply.code(204).send(null);
  });

  app.get('/users/me/events', { ...me, schema: { tags, security, querystring: EventsQuery, response: { 200: Type.Array(AuditEventRead), ...errors } } }, async (req, reply) => {
    const { items, total } = await accountSessions.events(req.currentUser!.id, req.query);
    reply.header('x-total-count', String(total));
    return items;
  });

  app.get('/users/:id/sessions', { ...admin, schema: { tags, security, params: IdParams, response: { 200: Type.Array(SessionRead), ...errors, 404: Detail } } }, async (req) =>
    (await accountSessions.listFor(await target(req.params.id))).map((s) => toSessionRead(s, req.principal!.sid)));

  app.delete('/users/:id/sessions', { ...admin, schema: { tags, security, params: IdParams, response: { 204: Empty, ...errors, 404: Detail } } }, async (req, reply) => {
    await accountSessions.endAll(await target(req.params.id), clientOf(req));
    return reply.code(204).send(null);
  });

  app.get('/audit', { ...admin, schema: { tags, security, querystring: AuditQuery, response: { 200: Type.Array(AuditEventRead), ...errors } } }, async (req, reply) => {
    const q = req.query;
    const { items, total } = await audit.list({
      limit: q.limit, offset: q.offset, ...(q.user_id ? { userId: q.user_id.toLowerCase() } : {}), ...(q.type ? { type: q.type } : {}),
      ...(q.since ? { since: sinceOf(q.since) } : {}),
    });
    reply.header('x-total-count', String(total));
    return items;
  });
}
