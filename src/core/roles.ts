import type { NewRole, NewScopeDefinition, Repos, RoleRecord, ScopeDefinition } from '../store/repos/index.js';

/** Every scope definition and role, read together for views that describe users' scopes and roles. */
export interface Catalog {
  scopes: ScopeDefinition[];
  roles: RoleRecord[];
}

/** What a scope list grants a user in Tessera's model. */
export interface ScopeGrants {
  isSuperuser: boolean;
  scopes: string[];
}

/**
 * Tessera's model of a user's own scopes from a list of scope values as the
 * wisdom service stores them: `me` is implicit (every user holds it), `admin`
 * is being a superuser, anything else is a granted scope. The wisdom face and
 * the wisdom import both read accounts this way.
 */
export function grantsFromScopes(values: string[]): ScopeGrants {
  return { isSuperuser: values.includes('admin'), scopes: [...new Set(values.filter((v) => v !== 'me' && v !== 'admin'))] };
}

export interface RoleServiceDeps {
  repos: Pick<Repos, 'roles' | 'users'>;
}

/** Scope definitions (named, described scopes) and roles (named sets of them). */
export function createRoleService({ repos }: RoleServiceDeps) {
  const valuesToIds = (scopes: ScopeDefinition[], values: string[]) => scopes.filter((s) => values.includes(s.value)).map((s) => s.id);

  return {
    async catalog(): Promise<Catalog> {
      const [scopes, roles] = await Promise.all([repos.roles.listScopes(), repos.roles.listRoles()]);
      return { scopes, roles };
    },

    /** What a wisdom scope list grants (grantsFromScopes), skipping values without a definition as wisdom does. */
    async accountGrants(values: string[]): Promise<ScopeGrants> {
      const known = new Set((await repos.roles.listScopes()).map((s) => s.value));
      return grantsFromScopes(values.filter((v) => known.has(v)));
    },

    defineScope: (s: NewScopeDefinition) => repos.roles.insertScope(s),

    /** Creates a role holding the scopes of these values (values without a definition are skipped). */
    async createRole(role: NewRole, scopeValues: string[] = []): Promise<RoleRecord> {
      const created = await repos.roles.insertRole(role);
      const ids = valuesToIds(await repos.roles.listScopes(), scopeValues);
      if (ids.length > 0) await repos.roles.setRoleScopes(created.id, ids);
      return { ...created, scopeIds: ids };
    },

    /** Replaces a role's scopes. Any user may hold the role: cached user reads are dropped. */
    async setRoleScopes(roleId: number, scopeValues: string[]): Promise<void> {
      await repos.roles.setRoleScopes(roleId, valuesToIds(await repos.roles.listScopes(), scopeValues));
      repos.users.forgetAllCached();
    },

    async deleteRole(id: number): Promise<boolean> {
      const gone = await repos.roles.deleteRole(id);
      repos.users.forgetAllCached();
      return gone;
    },
  };
}

export type RoleService = ReturnType<typeof createRoleService>;
