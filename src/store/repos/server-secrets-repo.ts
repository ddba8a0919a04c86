import type { Db } from '../create-db.js';

/** Secrets the server generates for itself and every instance must share. */
export function createServerSecretsRepo(db: Db) {
  return {
    /** The secret called `name`, or undefined when there is none. */
    async get(name: string): Promise<string | undefined> {
      const r = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
      return r?.value;
    },

    /**
     * The secret called `name`, created from `make()` if there is none yet.
     * Concurrent first starts agree: the first insert wins, the others read it.
     */
    async getOrCreate(name: string, make: () => string, now: number): Promise<string> {
      await db.insertInto('server_secrets').values({ name, value: make(), created_at: now })
        .onConflict((oc) => oc.column('name').doNothing()).execute();
      const r = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return r.value;
    },
  };
}

export type ServerSecretsRepo = ReturnType<typeof createServerSecretsRepo>;
