import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-oauth-accounts.js';
import * as m0003 from './0003-accounts-roles.js';
import * as m0004 from './0004-account-hardening.js';
import * as m0005 from './0005-credentials-version.js';
import * as m0006 from './0006-opaque-access-tokens.js';
import * as m0007 from './0007-audit-and-session-activity.js';
import * as m0008 from './0008-mfa.js';
import * as m0009 from './0009-passkeys.js';
import * as m0010 from './0010-webhooks.js';

/** Migrations live in code (not read from disk) so they run the same from src/ under tests and from dist/. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-oauth-accounts': m0002,
  '0003-accounts-roles': m0003,
  '0004-account-hardening': m0004,
  '0005-credentials-version': m0005,
  '0006-opaque-access-tokens': m0006,
  '0007-audit-and-session-activity': m0007,
  '0008-mfa': m0008,
  '0009-passkeys': m0009,
  '0010-webhooks': m0010,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
