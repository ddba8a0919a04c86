import { sql } from 'kysely';
import type { Db } from '../create-db.js';
import { dialectOf } from '../dialect.js';
import { inTransaction } from '../transaction.js';
import { rethrowUnique } from '../unique-violation.js';

/** A described scope (wisdom's `scopes` row); users and tokens carry its `value`. */
export interface ScopeDefinition {
  id: number;
  name: string;
  description: string;
  value: string;
}

/** A named set of scopes (wisdom's `roles` row and its `role_scopes`). */
export interface RoleRecord {
  id: number;
  name: string;
  description: string;
  scopeIds: number[];
}

export interface NewScopeDefinition {
  /** Given by an import that keeps its ids; otherwise the next one. */
  id?: number;
  name: string;
  description?: string;
  value: string;
}

export interface NewRole {
  id?: number;
  name: string;
  description?: string;
}

export function createRolesRepo(db: Db) {
  const pg = dialectOf(db) === 'postgres';

  /** After a row inserted with its own id, PostgreSQL's sequence must move past it (SQLite's rowid already does). */
  async function syncSequence(table: 'scope_definitions' | 'roles'): Promise<void> {
    if (pg) await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db);
  }

  async function insertReturning<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      rethrowUnique(err);
    }
  }

  return {
    async listScopes(): Promise<ScopeDefinition[]> {
      return db.selectFrom('scope_definitions').select(['id', 'name', 'description', 'value']).orderBy('id').execute();
    },

    async insertScope(s: NewScopeDefinition): Promise<ScopeDefinition> {
      const row = { ...(s.id !== undefined ? { id: s.id } : {}), name: s.name, description: s.description ?? '', value: s.value };
      const created = await insertReturning(() => db.insertInto('scope_definitions').values(row)
        .returning(['id', 'name', 'description', 'value']).executeTakeFirstOrThrow());
      if (s.id !== undefined) await syncSequence('scope_definitions');
      return created;
    },

    async deleteScope(id: number): Promise<boolean> {
      const res = await db.deleteFrom('scope_definitions').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    /** Every role with its scope ids, by id: roles are few, and every user view needs them. */
    async listRoles(): Promise<RoleRecord[]> {
      const [roles, links] = await Promise.all([
        db.selectFrom('roles').select(['id', 'name', 'description']).orderBy('id').execute(),
        db.selectFrom('role_scopes').select(['role_id', 'scope_id']).orderBy('scope_id').execute(),
      ]);
      return roles.map((r) => ({ ...r, scopeIds: links.filter((l) => l.role_id === r.id).map((l) => l.scope_id) }));
    },

    async insertRole(r: NewRole): Promise<RoleRecord> {
      const row = { ...(r.id !== undefined ? { id: r.id } : {}), name: r.name, description: r.description ?? '' };
      const created = await insertReturning(() => db.insertInto('roles').values(row)
        .returning(['id', 'name', 'description']).executeTakeFirstOrThrow());
      if (r.id !== undefined) await syncSequence('roles');
      return { ...created, scopeIds: [] };
    },

    /** Replaces a role's scopes in one transaction. */
    async setRoleScopes(roleId: number, scopeIds: number[]): Promise<void> {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('role_scopes').where('role_id', '=', roleId).execute();
        const ids = [...new Set(scopeIds)];
        if (ids.length > 0) await trx.insertInto('role_scopes').values(ids.map((scope_id) => ({ role_id: roleId, scope_id }))).execute();
      });
    },

    async deleteRole(id: number): Promise<boolean> {
      const res = await db.deleteFrom('roles').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

export type RolesRepo = ReturnType<typeof createRolesRepo>;
