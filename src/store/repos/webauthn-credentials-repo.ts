import type { Db } from '../create-db.js';
import type { WebAuthnCredentialsTable } from '../tables.js';
import { isForeignKeyViolation } from '../foreign-key-violation.js';

/** A stored passkey. `id` is the authenticator's credential id (base64url). */
export interface PasskeyRecord {
  id: string;
  userId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

function parseTransports(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

const toRecord = (r: WebAuthnCredentialsTable): PasskeyRecord => ({
  id: r.id, userId: r.user_id, publicKey: r.public_key, counter: Number(r.counter),
  transports: parseTransports(r.transports), backedUp: Number(r.backed_up) === 1, deviceType: r.device_type,
  name: r.name, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

export function createWebAuthnCredentialsRepo(db: Db) {
  return {
    /**
     * Stores a new passkey; false when that credential id is already registered (to anyone), or
     * when its user is gone (deleted while the ceremony ran: a refusal, not a server error).
     */
    async insert(p: PasskeyRecord): Promise<boolean> {
      try {
        const res = await db.insertInto('webauthn_credentials').values({
          id: p.id, user_id: p.userId, public_key: p.publicKey, counter: p.counter, transports: JSON.stringify(p.transports),
          backed_up: p.backedUp ? 1 : 0, device_type: p.deviceType, name: p.name, created_at: p.createdAt, last_used_at: p.lastUsedAt,
        }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      } catch (err) {
        if (isForeignKeyViolation(err)) return false;
        throw err;
      }
    },

    async findById(id: string): Promise<PasskeyRecord | undefined> {
      const r = await db.selectFrom('webauthn_credentials').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRecord(r);
    },

    /** The user's passkeys, oldest first. */
    async listForUser(userId: string): Promise<PasskeyRecord[]> {
      const rows = await db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async countForUser(userId: string): Promise<number> {
      const r = await db.selectFrom('webauthn_credentials').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    /** Deletes one of the user's passkeys; false when the user has none by that id. */
    async deleteForUser(userId: string, id: string): Promise<boolean> {
      const res = await db.deleteFrom('webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async deleteAllForUser(userId: string): Promise<number> {
      const res = await db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /**
     * Records a verified use: the new sign counter, backup state and time. A compare-and-swap on
     * the counter the verification started from, so of two concurrent assertions carrying the same
     * counter only one is accepted (false for the other).
     */
    async recordUse(id: string, fromCounter: number, u: { counter: number; backedUp: boolean; at: number }): Promise<boolean> {
      const res = await db.updateTable('webauthn_credentials')
        .set({ counter: u.counter, backed_up: u.backedUp ? 1 : 0, last_used_at: u.at })
        .where('id', '=', id).where('counter', '=', fromCounter).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

export type WebAuthnCredentialsRepo = ReturnType<typeof createWebAuthnCredentialsRepo>;
