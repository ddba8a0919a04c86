import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Container } from '../../../../container.js';
import { UserNotFound } from '../../../../core/errors.js';
import { identityFromLogin } from '../../../../core/register-by-login.js';
import { parseScope } from '../../../../core/scopes.js';
import type { AccountChanges } from '../../../../core/users.js';
import type { UserRecord } from '../../../../store/repos/index.js';
import { wisdomErrorHandler } from './errors.js';
import { wisdomGuard } from './guard.js';
import { AccountIdParams, ErrorBody, NewUserAccount, PasswordChange, UserAccount, UserUpdate, ValidationDetail, security, toUserAccount } from './schemas.js';
import { bodyLogin, signedInUser, userParam } from '../../../plugins/rate-limit-accounts.js';
import { clientOf } from '../../../client-context.js';
import { accountNumberParam } from '../../../id-params.js';

const tags = ['users (wisdom)'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ValidationDetail };

/** wisdom's `{user_id}` is an int: anything else names no account (404, never a 500 or a 422). */
const accountNumber = (raw: string): number => accountNumberParam(raw, () => new UserNotFound());

/** wisdom updated a text field only when it was given and not blank (field_may_be_update_source). */
const given = (v: string | null | undefined): string | undefined => (v != null && v.trim() !== '' ? v.trim() : undefined);

/**
 * wisdom's `/users` routes (TESSERA_USERS_ADMIN_API=wisdom), in place of FastAPI Users' ones:
 * integer account numbers, `UserAccount` bodies, roles. docs/wisdom.md has the mapping.
 */
export async function wisdomUsersRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  base.setErrorHandler(wisdomErrorHandler);
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { users, roles } = container;
  const me = { preValidation: wisdomGuard(container, 'me') };
  const admin = { preValidation: wisdomGuard(container, 'admin') };
  const view = async (u: UserRecord) => toUserAccount(u, await roles.catalog());
  const grants = async (scopes: string) => roles.accountGrants(parseScope(scopes) ?? []);

  app.get('/users/me', { ...me, schema: { tags, security, response: { 200: UserAccount, ...errors } } }, async (req) => view(req.currentUser!));

  app.patch('/users/me', { ...me, config: { limit: { policy: 'account', account: signedInUser } }, schema: { tags, security, body: PasswordChange, response: { 200: UserAccount, ...errors } } }, async (req) =>
    view(await users.update(req.currentUser!.id, { password: req.body.new_password }, { actor: req.principal!, asAdmin: false, oldPassword: req.body.old_password, client: clientOf(req) })));

  app.get('/users', { ...admin, schema: { tags, security, response: { 200: Type.Array(UserAccount), ...errors } } }, async () => {
    const [{ items }, catalog] = await Promise.all([users.list({ limit: Number.MAX_SAFE_INTEGER, offset: 0 }), roles.catalog()]);
    return items.map((u) => toUserAccount(u, catalog));
  });

  app.put('/users', { ...admin, config: { limit: { policy: 'admin', account: bodyLogin('username') } }, schema: { tags, security, body: NewUserAccount, response: { 201: UserAccount, ...errors, 409: ErrorBody } } }, async (req, reply) => {
    const b = req.body;
    const user = await users.create({
      ...identityFromLogin(b.username), password: b.password, firstName: b.first_name, lastName: b.last_name,
      ...(await grants(b.scopes ?? 'me')), roles: b.roles ?? [],
    }, { client: clientOf(req) });
    return reply.code(201).send(await view(user));
  });

  app.get('/users/:id', { ...admin, schema: { tags, security, params: AccountIdParams, response: { 200: UserAccount, ...errors, 404: ErrorBody } } }, async (req) =>
    view(await users.getByAccountNumber(accountNumber(req.params.id))));

  app.patch('/users/:id', { ...admin, config: { limit: { policy: 'admin', account: userParam('id') } }, schema: { tags, security, params: AccountIdParams, body: UserUpdate, response: { 200: UserAccount, ...errors, 404: ErrorBody, 409: ErrorBody } } }, async (req) => {
    const user = await users.getByAccountNumber(accountNumber(req.params.id));
    // wisdom's admin update logs the user out, whatever it changed.
    return view(await users.updateAccount(user.id, await accountChanges(req.body), { actor: req.principal!, endSessions: true, client: clientOf(req) }));
  });

  app.delete('/users/:id', { ...admin, schema: { tags, security, params: AccountIdParams, response: { 204: Type.Null(), ...errors, 404: ErrorBody } } }, async (req, reply) => {
    await users.delete((await users.getByAccountNumber(accountNumber(req.params.id))).id, clientOf(req));
    return reply.code(204).send(null);
  });

  /** wisdom's UserUpdate in Tessera's terms: blank text, empty scope strings and empty role lists change nothing. */
  async function accountChanges(b: Static<typeof UserUpdate>): Promise<AccountChanges> {
    const changes: AccountChanges = {};
    const firstName = given(b.first_name ?? b.firstName);
    const lastName = given(b.last_name ?? b.lastName);
    const username = given(b.username);
    if (firstName !== undefined) changes.firstName = firstName;
    if (lastName !== undefined) changes.lastName = lastName;
    if (username !== undefined) {
      const id = identityFromLogin(username);
      if (id.email) Object.assign(changes, { email: id.email, username: null });
      else changes.username = id.username ?? null;
    }
    if (b.password) changes.password = b.password;
    const active = b.active ?? b.is_active;
    if (active != null) changes.isActive = active;
    if (given(b.scopes) !== undefined) Object.assign(changes, await grants(b.scopes!));
    if (b.roles && b.roles.length > 0) changes.roles = b.roles;
    return changes;
  }
}
