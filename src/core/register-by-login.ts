import { InvalidLogin } from './errors.js';
import type { ClientContext } from './audit.js';
import type { NewUser, UserService } from './users.js';

// The same shape ajv-formats accepts as `email` (its "fast" mode), so every face agrees on what an email is.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const USERNAME = /^[^@\s]{1,64}$/;

/**
 * Faces whose sign-up takes one login name (simple, aegis): a name with "@"
 * is the user's email, anything else is a username and the email stays null.
 */
export function identityFromLogin(login: string): Pick<NewUser, 'email' | 'username'> {
  if (login.includes('@')) {
    if (login.length > 320 || !EMAIL.test(login)) throw new InvalidLogin();
    return { email: login, username: null };
  }
  if (!USERNAME.test(login)) throw new InvalidLogin();
  return { email: null, username: login };
}

/** Self-registration from a single login name and a password (policy and uniqueness as for every sign-up). */
export async function registerByLogin(users: Pick<UserService, 'register'>, login: string, password: string, client?: ClientContext) {
  return users.register({ ...identityFromLogin(login), password }, client);
}
