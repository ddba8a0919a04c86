import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { UserNotFound } from '../../../core/errors.js';
import { clientOf } from '../../client-context.js';
import { bodyLogin, signedInUser, userParam } from '../../plugins/rate-limit-accounts.js';
import { userGuard } from './guard.js';
import { uuidParam } from '../../id-params.js';
import { AdminCreate, AdminUpdate, Detail, IdParams, ListQuery, SelfUpdate, UserRead, ValidationDetail, patchUsername, patchValue, security, toUserRead } from './schemas.js';

const tags = ['users'];
const updateCodes = { user_already_exists: 'UPDATE_USER_EMAIL_ALREADY_EXISTS', invalid_password: 'UPDATE_USER_INVALID_PASSWORD' };
const errors = { 400: Detail, 401: Detail, 403: Detail, 422: ValidationDetail };

/** A non-UUID id can name no user: 404 without touching the database. */
const userId = (id: string): string => uuidParam(id, () => new UserNotFound());

/** FastAPI Users' users router, plus the admin list/create of the v0.x API. */
export async function usersRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { users } = container;
  // Authentication runs before body validation, as FastAPI's dependencies do: no token is 401, not 422.
  const me = { preValidation: userGuard(container, 'me') };
  const admin = { preValidation: userGuard(container, 'admin') };

  app.get('/users/me', { ...me, schema: { tags, security, response: { 200: UserRead, 401: Detail, 403: Detail } } }, (req, reply) => {
    reply.send(toUserRead(req.currentUser!));
  });

  app.patch('/users/me', { ...me, config: { limit: { policy: 'account', account: signedInUser }, errorCodes: updateCodes }, schema: { tags, security, body: SelfUpdate, response: { 200: UserRead, ...errors } } }, async (req) => {
    const b = req.body;
    const changes = { email: patchValue(b.email), username: patchUsername(b.username), password: patchValue(b.new_password) ?? patchValue(b.password) };
    const oldPassword = patchValue(b.old_password);
    const updated = await users.update(req.currentUser!.id, changes, {
      actor: req.principal!, asAdmin: false, client: clientOf(req), ...(oldPassword !== undefined ? { oldPassword } : {}),
    });
    return toUserRead(updated);
  });

  app.get('/users', { ...admin, schema: { tags, security, querystring: ListQuery, response: { 200: Type.Array(UserRead), ...errors } } }, async (req, reply) => {
    const { items, total } = await users.list({ limit: req.query.limit, offset: req.query.offset, ...(req.query.q ? { q: req.query.q } : {}) });
    reply.header('x-total-count', String(total));
    return items.map(toUserRead);
  });

  app.route({
    method: ['PUT', 'POST'], url: '/users', ...admin, config: { limit: { policy: 'admin', account: bodyLogin('email') } },
    schema: { tags, security, body: AdminCreate, response: { 201: UserRead, ...errors } },
    handler: async (req, reply) => {
      const b = req.body;
      const user = await users.create({
        email: b.email, username: b.username ?? null, password: b.password,
        isActive: b.is_active ?? true, isSuperuser: b.is_superuser ?? false, isVerified: b.is_verified ?? false, scopes: b.scopes ?? [],
      }, { client: clientOf(req) });
      return reply.code(201).send(toUserRead(user));
    },
  });

  app.get('/users/:id', { ...admin, schema: { tags, security, params: IdParams, response: { 200: UserRead, ...errors, 404: Detail } } }, async (req) =>
    toUserRead(await users.get(userId(req.params.id))));

  app.patch('/users/:id', { ...admin, config: { limit: { policy: 'admin', account: userParam('id') }, errorCodes: updateCodes }, schema: { tags, security, params: IdParams, body: AdminUpdate, response: { 200: UserRead, ...errors, 404: Detail } } }, async (req) => {
    const b = req.body;
    const updated = await users.update(userId(req.params.id), {
      email: patchValue(b.email), username: patchUsername(b.username), password: patchValue(b.password),
      isActive: patchValue(b.is_active), isSuperuser: patchValue(b.is_superuser), isVerified: patchValue(b.is_verified), scopes: patchValue(b.scopes),
    }, { actor: req.principal!, asAdmin: true, client: clientOf(req) });
    return toUserRead(updated);
  });

  app.delete('/users/:id', { ...admin, schema: { tags, security, params: IdParams, response: { 204: Type.Null(), ...errors, 404: Detail } } }, async (req, reply) => {
    await users.delete(userId(req.params.id), clientOf(req));
    return reply.code(204).send(null);
  });
}
