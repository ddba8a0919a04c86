import { Type, type Static } from '@sinclair/typebox';
import type { Catalog } from '../../../../core/roles.js';
import { effectiveScopes } from '../../../../core/scopes.js';
import type { ScopeDefinition, UserRecord } from '../../../../store/repos/index.js';

/** OpenAPI: wisdom's routes take a Bearer token only (its OAuth2PasswordBearer). */
export const security: { [scheme: string]: string[] }[] = [{ bearer: [] }];

const Text = Type.String({ maxLength: 1024 });
const Password = Type.String({ maxLength: 4096 });
/** wisdom's scope string: space-separated scope values. */
const ScopeString = Type.String({ maxLength: 4096 });
const RoleNames = Type.Array(Type.String({ maxLength: 255 }), { maxItems: 256 });

/** wisdom's `NewUserAccount` (models/incoming). */
export const NewUserAccount = Type.Object({
  first_name: Type.String({ minLength: 1, maxLength: 1024 }),
  last_name: Text,
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Password,
  scopes: Type.Optional(Type.Union([ScopeString, Type.Null()])),
  roles: Type.Optional(Type.Union([RoleNames, Type.Null()])),
});

/** wisdom's `UserUpdate`: every field optional; a blank one is left unchanged. Both spellings of the names are read, as pydantic's aliases allow. */
export const UserUpdate = Type.Object({
  first_name: Type.Optional(Type.Union([Text, Type.Null()])),
  firstName: Type.Optional(Type.Union([Text, Type.Null()])),
  last_name: Type.Optional(Type.Union([Text, Type.Null()])),
  lastName: Type.Optional(Type.Union([Text, Type.Null()])),
  username: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
  password: Type.Optional(Type.Union([Password, Type.Null()])),
  active: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  is_active: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  scopes: Type.Optional(Type.Union([ScopeString, Type.Null()])),
  roles: Type.Optional(Type.Union([RoleNames, Type.Null()])),
});

/** `PATCH /users/me`: wisdom's two embedded body fields. */
export const PasswordChange = Type.Object({ old_password: Password, new_password: Password });

export const AccountIdParams = Type.Object({ id: Type.String() });

const Scope = Type.Object({ id: Type.Integer(), name: Type.String(), description: Type.String(), value: Type.String() });
const Role = Type.Object({ id: Type.Integer(), name: Type.String(), description: Type.String(), scopes: Type.Array(Scope) });

/** wisdom's `UserAccount`, by alias (models/outgoing). */
export const UserAccount = Type.Object({
  id: Type.Integer(),
  firstName: Type.Union([Type.String(), Type.Null()]),
  lastName: Type.Union([Type.String(), Type.Null()]),
  username: Type.String(),
  is_active: Type.Boolean(),
  scopes: Type.Array(Scope),
  roles: Type.Array(Role),
}, { $id: 'WisdomUserAccount' });
export type UserAccountT = Static<typeof UserAccount>;

/** wisdom's error bodies: `error` always, `error_description` when it has one. */
export const ErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });
export const ValidationDetail = Type.Object({
  detail: Type.Array(Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() })),
});

const scopeView = ({ id, name, description, value }: ScopeDefinition) => ({ id, name, description, value });

/**
 * A user as wisdom's `UserAccount`. `scopes` are the user's own (as wisdom's account_scopes):
 * `me`, `admin` for a superuser, and granted ones that have a definition; role scopes are listed
 * under each role. A user's `username` is its email when it has no username.
 */
export function toUserAccount(u: UserRecord, catalog: Catalog): UserAccountT {
  const own = new Set(effectiveScopes({ isSuperuser: u.isSuperuser, scopes: u.scopes }));
  const byId = new Map(catalog.scopes.map((s) => [s.id, s]));
  return {
    id: u.accountNumber,
    firstName: u.firstName,
    lastName: u.lastName,
    username: u.username ?? u.email ?? '',
    is_active: u.isActive,
    scopes: catalog.scopes.filter((s) => own.has(s.value)).map(scopeView),
    roles: catalog.roles.filter((r) => u.roles.includes(r.name)).map((r) => ({
      id: r.id, name: r.name, description: r.description,
      scopes: r.scopeIds.flatMap((id) => { const s = byId.get(id); return s ? [scopeView(s)] : []; }),
    })),
  };
}
