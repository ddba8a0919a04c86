import { canonicalUuid, uuidFromName, type SourceReader, type SourceRecord } from '../imported-user.js';
import { countJsonLines, readJsonDocuments } from '../json-documents.js';

/**
 * ipseity's `authentication` collection as `mongoexport` writes it (JSON
 * lines, or one array with --jsonArray): `{user, uid, password, active,
 * disallowed_tokens}`, where `password` is the bcrypt hash as BSON binary.
 */
export function ipseityReader(path: string): SourceReader {
  return {
    total: () => countJsonLines(path),
    async *records() {
      for await (const doc of readJsonDocuments(path)) {
        yield 'error' in doc ? { ok: false, ref: `document ${doc.at}`, reason: doc.error } : toRecord(doc.value, doc.at);
      }
    },
    close: async () => {},
  };
}

function toRecord(doc: unknown, at: number): SourceRecord {
  const d = (doc ?? {}) as Record<string, unknown>;
  const username = typeof d.user === 'string' ? d.user : undefined;
  const ref = username ?? `document ${at}`;
  if (!username) return { ok: false, ref, reason: 'no "user" field' };
  // Documents written before ipseity kept a uid get a UUID derived from the username, so re-runs agree.
  const id = d.uid === undefined || d.uid === null ? uuidFromName(`ipseity:${username}`) : canonicalUuid(d.uid);
  if (!id) return { ok: false, ref, reason: '"uid" is not 32 hex digits' };
  const passwordHash = bsonText(d.password);
  if (passwordHash === undefined) return { ok: false, ref, reason: '"password" is not a hash' };
  return {
    ok: true,
    user: {
      ref, id, email: null, username, passwordHash,
      // ipseity's DELETE /user only sets active: false; the record stays, as here.
      isActive: d.active !== false, isSuperuser: false, isVerified: false, scopes: [],
      createdAt: objectIdTime(d._id), updatedAt: null, oauthAccounts: [],
      // disallowed_tokens are ipseity's own refresh tokens: Tessera never accepts those, so nothing to carry.
    },
  };
}

/**
 * A bcrypt hash stored as BSON binary, in each form mongoexport has written it:
 * `{"$binary": {"base64", "subType"}}` (extended JSON v2), `{"$binary": "…", "$type": "00"}`
 * (v1, before MongoDB 4.2), or a plain string.
 */
function bsonText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const o = v as { $binary?: unknown } | null;
  if (!o || typeof o !== 'object' || o.$binary === undefined) return undefined;
  const b = o.$binary as { base64?: unknown } | string;
  const base64 = typeof b === 'string' ? b : b?.base64;
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('latin1') : undefined;
}

/** An ObjectId's first four bytes are its creation time in seconds: the best "created at" ipseity has. */
function objectIdTime(v: unknown): number | null {
  const hex = (v as { $oid?: unknown } | null)?.$oid;
  return typeof hex === 'string' && /^[0-9a-f]{24}$/i.test(hex) ? parseInt(hex.slice(0, 8), 16) * 1000 : null;
}
