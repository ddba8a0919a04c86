import type { Repos } from '../store/repos/index.js';
import { UserAlreadyExists } from './errors.js';
import type { UserService } from './users.js';

/** Row of server_secrets written once the database has had a superuser: the bootstrap never runs again. */
export const BOOTSTRAP_DONE = 'bootstrap_superuser_done';

export interface BootstrapDeps {
  users: Pick<UserService, 'create'>;
  repos: Pick<Repos, 'users' | 'serverSecrets'>;
  now?: () => number;
}

/**
 * TESSERA_BOOTSTRAP_SUPERUSER_*: creates that superuser at the first start
 * only, while the database has never had a superuser. Once one exists (this
 * one, or one made by the CLI or an import) a marker is kept, so renaming or
 * deleting it later never brings the bootstrap account back at a restart.
 * True when it created the user.
 */
export async function ensureSuperuser(deps: BootstrapDeps, email: string, password: string): Promise<boolean> {
  const { repos } = deps;
  const now = deps.now ?? Date.now;
  if (await repos.serverSecrets.get(BOOTSTRAP_DONE)) return false;
  let created = false;
  if (!(await repos.users.hasSuperuser())) {
    try {
      await deps.users.create({ email, password, isSuperuser: true, isVerified: true });
      created = true;
    } catch (err) {
      // Another instance starting at the same moment created it first; or the email belongs to an
      // ordinary user, who is left as is (then no superuser exists and the next start tries again).
      if (!(err instanceof UserAlreadyExists)) throw err;
    }
  }
  if (await repos.users.hasSuperuser()) await repos.serverSecrets.getOrCreate(BOOTSTRAP_DONE, () => new Date(now()).toISOString(), now());
  return created;
}
