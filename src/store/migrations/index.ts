import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-oauth-accounts.js';
import * as m0003 from './0003-accounts-roles.js';

/** Migrations live in code (not read from disk) so they run the same from src/ under tests and from dist/. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-oauth-accounts': m0002,
  '0003-accounts-roles': m0003,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
