import { Type } from '@sinclair/typebox';
import { AUDIT_EVENT_TYPES } from '../../../core/audit.js';
import type { SessionView } from '../../../store/repos/index.js';

const iso = (ms: number) => new Date(ms).toISOString();
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const SessionRead = Type.Object({
  id: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Nullable(Type.String({ format: 'date-time' })),
  expires_at: Type.String({ format: 'date-time' }),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  face: Nullable(Type.String()),
  current: Type.Boolean(),
}, { $id: 'SessionRead' });

export const toSessionRead = (s: SessionView, currentSid: string | undefined) => ({
  id: s.id, created_at: iso(s.createdAt), last_used_at: s.lastUsedAt === null ? null : iso(s.lastUsedAt), expires_at: iso(s.expiresAt),
  ip: s.ip, user_agent: s.userAgent, face: s.face, current: s.id === currentSid,
});

export const AuditEventRead = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  at: Type.String({ format: 'date-time' }),
  user_id: Nullable(Type.String()),
  actor_id: Nullable(Type.String()),
  face: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  detail: Type.Object({}, { additionalProperties: true }),
}, { $id: 'AuditEvent' });

const paging = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 }),
};

export const EventsQuery = Type.Object(paging);

export const AuditQuery = Type.Object({
  user_id: Type.Optional(Type.String({ format: 'uuid' })),
  type: Type.Optional(Type.Union(AUDIT_EVENT_TYPES.map((t) => Type.Literal(t)))),
  // A date (midnight UTC) or an RFC 3339 date-time with its offset.
  since: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })])),
  ...paging,
});

// No format here: a non-UUID session id is a 404 (checked in the handler), never a 422.
export const SessionIdParams = Type.Object({ id: Type.String() });
