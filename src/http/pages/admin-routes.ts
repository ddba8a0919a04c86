import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../container.js';
import { InvalidScope, UserNotFound } from '../../core/errors.js';
import { userParam } from '../plugins/rate-limit-accounts.js';
import { AdminListQuery, AdminUserForm, CsrfOnly, IdParams, NoticeQuery } from './forms.js';
import { requireSignIn } from './page-session.js';
import { clientOf } from '../client-context.js';
import type { FormPage } from './render.js';
import { uuidParam } from '../id-params.js';
import { when } from './account-view.js';
import { fixedMessage } from './fixed-message.js';

const PAGE_SIZE = 20;
/** A scope as the users face accepts one: visible ASCII without quote or backslash (RFC 6749 scope-token). */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

const NOTICES: Record<string, string> = {
  saved: 'Changes saved.', deactivated: 'The user is deactivated and signed out everywhere.',
  'sessions-ended': 'Every session of this user has ended.', deleted: 'The user is deleted.',
  'mfa-removed': 'Every second factor of this user is removed: TOTP, passkeys and recovery codes.',
};

/** A non-UUID id names no user: a 404 page without touching the database. */
const userId = (id: string): string => uuidParam(id, () => new UserNotFound());

function parseScopes(raw: string): string[] {
  const scopes = [...new Set(raw.split(/[\s,]+/).filter(Boolean))];
  if (scopes.length > 64 || !scopes.every((s) => SCOPE.test(s))) throw new InvalidScope('scopes are words of visible characters');
  return scopes;
}

/**
 * /admin: the users face's admin API (list, read, update, delete) as pages, for a superuser
 * whose session holds `admin`. Every change goes through users.update as an admin, so the
 * rules of PATCH /users/{id} (last superuser, sessions ended on deactivation) hold here.
 */
export async function adminRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { users, accountSessions, mfa } = container;
  const admin = { preValidation: requireSignIn(container, 'admin') };
  const limit = { policy: 'admin' as const, account: userParam('id') };
  const idOf = (req: FastifyRequest) => userId((req.params as { id: string }).id);
  // The user, its live sessions and second factors (404 when there is no such user: users.get checks, once).
  const subjectView = async (req: FastifyRequest) => {
    const subject = await users.get(idOf(req));
    const [sessions, factors] = await Promise.all([accountSessions.list(subject.id), mfa.status(subject.id)]);
    return { subject, sessions, factors, when };
  };
  const userPage: FormPage = { view: 'admin-user', title: 'User', context: subjectView };

  app.get('/admin', { ...admin, schema: { hide: true, querystring: AdminListQuery } }, async (req, reply) => {
    const { q, page } = req.query;
    const { items, total } = await users.list({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(q ? { q } : {}) });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    return reply.page('admin', 'Users', { items, total, q: q ?? '', page, pages, notice: fixedMessage(NOTICES, req.query.notice), wide: true });
  });

  app.get('/admin/users/:id', { ...admin, schema: { hide: true, params: IdParams, querystring: NoticeQuery } }, async (req, reply) =>
    reply.page(userPage.view, userPage.title, { ...(await subjectView(req)), notice: fixedMessage(NOTICES, req.query.notice), wide: true }));

  app.post('/admin/users/:id', { ...admin, config: { form: userPage, limit }, schema: { hide: true, params: IdParams, body: AdminUserForm } }, async (req, reply) => {
    const b = req.body;
    const id = idOf(req);
    await users.update(id, {
      ...(b.email ? { email: b.email } : {}), username: b.username === '' ? null : b.username, scopes: parseScopes(b.scopes),
      isActive: b.is_active === 'on', isVerified: b.is_verified === 'on', isSuperuser: b.is_superuser === 'on',
    }, { actor: req.principal!, asAdmin: true, client: clientOf(req, 'pages') });
    return reply.redirect(`/admin/users/${id}?notice=saved`, 303);
  });

  app.post('/admin/users/:id/deactivate', { ...admin, config: { form: userPage, limit }, schema: { hide: true, params: IdParams, body: CsrfOnly } }, async (req, reply) => {
    const id = idOf(req);
    await users.update(id, { isActive: false }, { actor: req.principal!, asAdmin: true, client: clientOf(req, 'pages') });
    return reply.redirect(`/admin/users/${id}?notice=deactivated`, 303);
  });

  app.post('/admin/users/:id/end-sessions', { ...admin, config: { form: userPage, limit }, schema: { hide: true, params: IdParams, body: CsrfOnly } }, async (req, reply) => {
    const id = idOf(req);
    await accountSessions.endAll(id, clientOf(req, 'pages'));
    return reply.redirect(`/admin/users/${id}?notice=sessions-ended`, 303);
  });

  // Recorded as mfa.removed (method all, by an admin) by core, as DELETE /users/{id}/mfa is.
  app.post('/admin/users/:id/mfa/remove', { ...admin, config: { form: userPage, limit }, schema: { hide: true, params: IdParams, body: CsrfOnly } }, async (req, reply) => {
    const id = idOf(req);
    await mfa.removeAll(id, clientOf(req, 'pages'));
    return reply.redirect(`/admin/users/${id}?notice=mfa-removed`, 303);
  });

  app.post('/admin/users/:id/delete', { ...admin, config: { form: userPage, limit }, schema: { hide: true, params: IdParams, body: CsrfOnly } }, async (req, reply) => {
    await users.delete(idOf(req), clientOf(req, 'pages'));
    return reply.redirect('/admin?notice=deleted', 303);
  });
}
