import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { UserRecord } from '../../../store/repos/index.js';

/** OpenAPI: authenticated routes take the Bearer token or the session cookie. */
export const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { cookie: [] }];
/** OpenAPI: login bodies are OAuth2 password-flow forms; JSON with the same keys works too. */
export const formOrJson = ['application/x-www-form-urlencoded', 'application/json'];

export const Email = Type.String({ format: 'email', maxLength: 320 });
export const Username = Type.String({ pattern: '^[^@\\s]{1,64}$', description: 'No "@" (that makes it an email) and no spaces.' });
export const Password = Type.String({ maxLength: 4096 });
export const Scopes = Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}$' }), { maxItems: 64 });

export const UserRead = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  is_active: Type.Boolean(),
  is_superuser: Type.Boolean(),
  is_verified: Type.Boolean(),
  scopes: Type.Array(Type.String()),
}, { $id: 'UserRead' });
export type UserReadT = Static<typeof UserRead>;

export const toUserRead = (u: UserRecord): UserReadT => ({
  id: u.id, email: u.email, username: u.username, is_active: u.isActive,
  is_superuser: u.isSuperuser, is_verified: u.isVerified, scopes: u.scopes,
});

export const Detail = Type.Object({ detail: Type.Union([Type.String(), Type.Object({ code: Type.String(), reason: Type.String() })]) });
export const ValidationDetail = Type.Object({
  detail: Type.Array(Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() })),
});

export const LoginForm = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Password,
  // As FastAPI's OAuth2PasswordRequestForm: optional, and "password" when given.
  grant_type: Type.Optional(Type.String({ pattern: '^password$' })),
  scope: Type.Optional(Type.String({ maxLength: 1024 })),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
});

export const BearerResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  refresh_token: Type.String(),
  expires_in: Type.Integer(),
});

export const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  username: Type.Optional(Type.Union([Username, Type.Null()])),
});

export const EmailBody = Type.Object({ email: Email });
export const ResetBody = Type.Object({ token: Type.String({ maxLength: 4096 }), password: Password });
export const VerifyBody = Type.Object({ token: Type.String({ maxLength: 4096 }) });

/**
 * PATCH fields: FastAPI Users' update schemas default every field to None, so a
 * field sent as `null` is left unchanged (see patchValue). A username sent as ""
 * removes the username (refused when the user would be left without an email).
 */
const orNull = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const UsernamePatch = Type.Union([Username, Type.Literal('')]);

export const SelfUpdate = Type.Object({
  email: orNull(Email),
  password: orNull(Password),
  username: orNull(UsernamePatch),
  old_password: orNull(Password),
  new_password: orNull(Password),
});

const privileged = {
  is_active: Type.Optional(Type.Boolean()),
  is_superuser: Type.Optional(Type.Boolean()),
  is_verified: Type.Optional(Type.Boolean()),
  scopes: Type.Optional(Scopes),
};

export const AdminCreate = Type.Object({ email: Email, password: Password, username: Type.Optional(Type.Union([Username, Type.Null()])), ...privileged });
export const AdminUpdate = Type.Object({
  email: orNull(Email), password: orNull(Password), username: orNull(UsernamePatch),
  is_active: orNull(Type.Boolean()), is_superuser: orNull(Type.Boolean()), is_verified: orNull(Type.Boolean()), scopes: orNull(Scopes),
});

/** A PATCH field's value for core: null (sent or absent) leaves it unchanged. */
export const patchValue = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
/** A PATCH username for core: "" removes it, null leaves it unchanged. */
export const patchUsername = (v: string | null | undefined): string | null | undefined => (v === '' ? null : patchValue(v));

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  // Bounded: a huge offset (1e20, 1e309) is a 422, not a value the databases refuse to bind.
  offset: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 }),
  q: Type.Optional(Type.String({ maxLength: 320 })),
});

// No length or format limit here: any id that is not a UUID is a 404 (checked in the handler), never a 422.
export const IdParams = Type.Object({ id: Type.String() });
