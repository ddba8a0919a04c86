import { UserAlreadyExists } from './errors.js';
import type { UserService } from './users.js';

/** Creates the configured superuser unless that email exists already; true when it created one. */
export async function ensureSuperuser(users: UserService, email: string, password: string): Promise<boolean> {
  if (await users.findByEmail(email)) return false;
  try {
    await users.create({ email, password, isSuperuser: true, isVerified: true });
    return true;
  } catch (err) {
    // Another instance starting at the same moment created it first.
    if (err instanceof UserAlreadyExists) return false;
    throw err;
  }
}
