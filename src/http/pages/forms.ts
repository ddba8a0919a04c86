import { Type } from '@sinclair/typebox';

/**
 * Bodies of the pages' forms. Every field is text; lengths are bounded like
 * the faces' bodies; the CSRF field is checked (and so required) before these.
 */
const text = (max: number) => Type.String({ maxLength: max });
const csrfField = { _csrf: Type.Optional(text(200)) };
export const EmailField = Type.String({ format: 'email', maxLength: 320 });
export const PasswordField = Type.String({ minLength: 1, maxLength: 4096 });

export const LoginForm = Type.Object({ ...csrfField, username: Type.String({ minLength: 1, maxLength: 320 }), password: PasswordField, return_to: Type.Optional(text(2048)) });
export const RegisterForm = Type.Object({ ...csrfField, email: EmailField, password: PasswordField });
export const EmailForm = Type.Object({ ...csrfField, email: EmailField });
export const ResetForm = Type.Object({ ...csrfField, token: Type.String({ minLength: 1, maxLength: 512 }), password: PasswordField });
export const TokenForm = Type.Object({ ...csrfField, token: Type.String({ minLength: 1, maxLength: 512 }) });
/** The second step: a code typed in, or a passkey's answer (JSON the page's script puts in `webauthn`). */
export const MfaForm = Type.Object({
  ...csrfField, mfa_token: Type.String({ minLength: 1, maxLength: 512 }), code: Type.Optional(text(64)), webauthn: Type.Optional(text(16384)), return_to: Type.Optional(text(2048)),
});
export const CsrfOnly = Type.Object(csrfField);
export const TokenQuery = Type.Object({ token: Type.Optional(text(512)) });
export const ReturnToQuery = Type.Object({ return_to: Type.Optional(text(4096)) });
/** /login's query: where to land, and the fixed name of a social sign-in that failed (social-failure.ts). */
export const LoginQuery = Type.Object({ return_to: Type.Optional(text(4096)), error: Type.Optional(text(32)) });

export const ProfileForm = Type.Object({ ...csrfField, email: Type.Union([EmailField, Type.Literal('')]), username: text(64), current_password: Type.Optional(text(4096)) });
export const PasswordChangeForm = Type.Object({ ...csrfField, current_password: PasswordField, new_password: PasswordField });

export const AdminListQuery = Type.Object({
  q: Type.Optional(text(320)),
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  notice: Type.Optional(text(32)),
});
export const AdminUserForm = Type.Object({
  ...csrfField,
  email: Type.Union([EmailField, Type.Literal('')]), username: text(64), scopes: text(4096),
  is_active: Type.Optional(Type.Literal('on')), is_verified: Type.Optional(Type.Literal('on')), is_superuser: Type.Optional(Type.Literal('on')),
});
export const CodeForm = Type.Object({ ...csrfField, code: Type.String({ minLength: 1, maxLength: 64 }) });
/** A session or passkey id of the signed-in person (core answers "not found" for anything else). */
export const ItemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
export const ProviderParams = Type.Object({ provider: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const NoticeQuery = Type.Object({ notice: Type.Optional(text(32)) });
/** /account's query: a notice after a change, or the fixed name of a social link that failed. */
export const AccountQuery = Type.Object({ notice: Type.Optional(text(32)), error: Type.Optional(text(32)) });

const pageNumber = Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 });
export const AuditQuery = Type.Object({ type: Type.Optional(text(64)), user: Type.Optional(text(320)), page: pageNumber });
export const PageQuery = Type.Object({ page: pageNumber, notice: Type.Optional(text(32)) });
/** A checkbox list posts one field per ticked box: one value is a string, several an array. */
export const WebhookForm = Type.Object({
  ...csrfField, url: Type.String({ minLength: 1, maxLength: 2048 }),
  events: Type.Optional(Type.Union([text(64), Type.Array(text(64), { maxItems: 64 })])),
});
