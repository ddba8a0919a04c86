import { Type } from '@sinclair/typebox';

/**
 * Request parameters are all optional strings here: which ones a request
 * needs depends on the grant, and a missing one is an RFC 6749
 * `invalid_request` the handler names, not a schema error. Unknown
 * parameters are ignored, as RFC 6749 §3.2 requires.
 */
const Param = (maxLength = 4096) => Type.Optional(Type.String({ maxLength }));
// A token of any length is just an unknown token (inactive, or nothing to revoke); the body limit bounds it.
const TokenParam = Type.Optional(Type.String());

export const TokenForm = Type.Object({
  grant_type: Param(64),
  username: Param(320),
  password: Param(),
  refresh_token: Param(),
  scope: Param(1024),
  client_id: Param(),
}, { additionalProperties: true });

export const IntrospectForm = Type.Object({
  token: TokenParam,
  token_type_hint: Param(64),
  scope: Param(1024),
}, { additionalProperties: true });

export const RevokeForm = Type.Object({
  token: TokenParam,
  token_type_hint: Param(64),
}, { additionalProperties: true });

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
  scope: Type.String(),
});

export const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() });

/**
 * RFC 7662 §2.2: `{"active": false}` alone, or `active: true` with the token's
 * claims. One object with optional members rather than a union: the serializer
 * of a union validates the answer against each branch to pick one, on every
 * introspection, and the core only ever builds one of the two shapes.
 */
export const IntrospectionResponse = Type.Object({
  active: Type.Boolean(),
  sub: Type.Optional(Type.String()), username: Type.Optional(Type.Union([Type.String(), Type.Null()])), scope: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()), iat: Type.Optional(Type.Integer()), token_type: Type.Optional(Type.String()),
  // A string, or the list a users-profile token carries; absent for profiles without an audience.
  // Untyped for the serializer (plain JSON.stringify) rather than a union it would test branch by branch.
  aud: Type.Optional(Type.Unsafe<string | string[]>({ description: 'string or array of strings' })), iss: Type.Optional(Type.String()), jti: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
export const Metadata = Type.Object({}, { additionalProperties: true });
