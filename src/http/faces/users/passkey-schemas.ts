import { Type } from '@sinclair/typebox';
import type { PasskeyRecord } from '../../../store/repos/index.js';

/** A WebAuthn response as the browser's JSON form gives it; its content is judged by core (400, not 422). */
const Credential = Type.Object({}, { additionalProperties: true, description: 'The PublicKeyCredential in its JSON form (toJSON()).' });
/** WebAuthn's options JSON, passed straight to navigator.credentials.create()/get(). */
export const OptionsJson = Type.Object({}, { additionalProperties: true });

export const RegisterVerifyBody = Type.Object({
  credential: Credential,
  name: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
});

export const LoginOptionsBody = Type.Object({
  username: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()])),
});
export const LoginOptionsResponse = Type.Object({ flow_id: Type.String(), options: OptionsJson });

export const LoginVerifyBody = Type.Object({
  flow_id: Type.String({ minLength: 1, maxLength: 128 }),
  credential: Credential,
  backend: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('cookie')], { default: 'jwt' })),
});

export const PasskeyRead = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const PasskeyCreated = Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String({ format: 'date-time' }) });
// Any id is looked up (an unknown one is a 404, never a validation error).
export const PasskeyParams = Type.Object({ id: Type.String() });

const iso = (ms: number) => new Date(ms).toISOString();
export const toPasskeyRead = (p: PasskeyRecord) => ({ id: p.id, name: p.name, created_at: iso(p.createdAt), last_used_at: p.lastUsedAt === null ? null : iso(p.lastUsedAt) });
export const toPasskeyCreated = (p: PasskeyRecord) => ({ id: p.id, name: p.name, created_at: iso(p.createdAt) });
