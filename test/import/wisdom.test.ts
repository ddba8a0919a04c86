import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInto, openReader } from '../../src/import/run-import.js';
import { DIALECTS, TEST_HASH, startServer, type TestServer } from '../support/harness.js';
import { fixture, sourceDb, type SourceDb } from '../support/import-sources.js';
import { form } from '../support/users-fixtures.js';

const CURRENT = `$argon2id$v=19$m=${TEST_HASH.memoryCost},t=${TEST_HASH.timeCost},p=${TEST_HASH.parallelism}$`;
const ACCOUNTS = (JSON.parse(readFileSync(fixture('manifest.json'), 'utf8')) as { wisdom: { account_id: number; username: string; password: string }[] }).wisdom;
const account = (name: string) => ACCOUNTS.find((a) => a.username === name)!;

/**
 * The wisdom authorization service's tables (accounts, scopes, roles; passlib pbkdf2_sha512
 * hashes) imported, then logged into through the oauth2 face's password grant.
 */
describe.each(DIALECTS)('import wisdom (%s source and target)', (dialect) => {
  let s: TestServer;
  let src: SourceDb;
  beforeAll(async () => {
    s = await startServer(dialect);
    src = await sourceDb(dialect, 'wisdom');
  });
  afterAll(async () => {
    await s.close();
    await src.drop();
  });
  const token = (username: string, password: string) => s.app.inject({ method: 'POST', url: '/oauth/token', ...form({ grant_type: 'password', username, password }) });

  it('imports the accounts with their numbers, names, scopes and roles; creates the missing scope and role', async () => {
    const r = await importInto(s.container.db, await openReader('wisdom', src.source), { dryRun: false, update: false });
    expect(r).toMatchObject({ imported: 3, conflicts: 0, refused: 0, unknownHashFormats: 0, scopesCreated: 1, rolesCreated: 1 });
    const erika = await s.container.repos.users.findByLogin('erika');
    expect(erika).toMatchObject({ accountNumber: 2, firstName: 'Erika', lastName: 'Mustermann', roles: ['analyst'], isSuperuser: false, email: null });
    expect(erika!.roleScopes).toEqual(['me', 'water-usage:read']);
    expect(await s.container.repos.users.findByLogin('hans')).toMatchObject({ accountNumber: 1, isSuperuser: true, scopes: [] });
    // A later user gets a number past the imported ones.
    expect((await s.container.users.create({ email: 'new@wisdom.example', password: 'a long enough password', username: null })).accountNumber).toBe(8);
  });

  it('the original passwords log in through /oauth/token, with their scopes; the hashes become argon2id', async () => {
    const hans = await token('hans', account('hans').password);
    expect(hans.statusCode).toBe(200);
    expect(hans.json().scope.split(' ')).toContain('admin');
    const erika = await token('erika', account('erika').password);
    expect(erika.statusCode).toBe(200);
    expect(erika.json().scope.split(' ')).toContain('water-usage:read');
    expect((await s.container.repos.users.findByLogin('erika'))!.passwordHash!.startsWith(CURRENT)).toBe(true);
    expect((await token('erika', 'wrong password')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('an inactive account cannot log in', async () => {
    expect((await token('otto', account('otto').password)).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a re-run skips every account', async () => {
    expect(await importInto(s.container.db, await openReader('wisdom', src.source), { dryRun: false, update: false }))
      .toMatchObject({ imported: 0, skipped: 3, scopesCreated: 0, rolesCreated: 0 });
  });
});
