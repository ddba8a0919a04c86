import type { Db } from '../create-db.js';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

export function createSigningKeysRepo(db: Db) {
  return {
    async insert(k: SigningKeyRecord): Promise<void> {
      await db.insertInto('signing_keys').values({
        kid: k.kid, alg: k.alg, private_jwk: k.privateJwk, public_jwk: k.publicJwk,
        created_at: k.createdAt, retired_at: k.retiredAt,
      }).execute();
    },

    /** Keys still useful for signing or verifying: live ones, and ones retired after `retiredAfter`. */
    async listUsable(retiredAfter: number): Promise<SigningKeyRecord[]> {
      const rows = await db.selectFrom('signing_keys').selectAll()
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
        .orderBy('created_at', 'desc').orderBy('kid').execute();
      return rows.map((r) => ({ kid: r.kid, alg: r.alg, privateJwk: r.private_jwk, publicJwk: r.public_jwk,
        createdAt: Number(r.created_at), retiredAt: r.retired_at === null ? null : Number(r.retired_at) }));
    },

    /** Stops every live key but `keepKid` from signing; they keep verifying until retiredAt + token TTL. */
    async retireAllBut(keepKid: string, at: number): Promise<void> {
      await db.updateTable('signing_keys').set({ retired_at: at })
        .where('kid', '!=', keepKid).where('retired_at', 'is', null).execute();
    },

    /** Retires live keys of any algorithm but `alg` (TESSERA_JWT_ALG changed); they verify out their grace period. */
    async retireOtherAlgorithms(alg: string, at: number): Promise<void> {
      await db.updateTable('signing_keys').set({ retired_at: at })
        .where('alg', '!=', alg).where('retired_at', 'is', null).execute();
    },
  };
}

export type SigningKeysRepo = ReturnType<typeof createSigningKeysRepo>;
