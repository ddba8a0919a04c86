import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type NewUserRecord } from '../../src/store/repos/index.js';
import { UniqueViolation } from '../../src/store/unique-violation.js';
import { DIALECTS } from '../support/harness.js';
import { openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;
const user = (over: Partial<NewUserRecord> = {}): NewUserRecord => ({
  id: randomUUID(), email: `${randomUUID()}@camelot.bt`, username: null, passwordHash: null, isActive: true,
  isSuperuser: false, isVerified: false, scopes: [], createdAt: T, updatedAt: T, ...over,
});

describe.each(DIALECTS)('roles, scope definitions and account numbers (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });

  it('scope definitions and roles keep given ids, and later ones continue after them', async () => {
    const { roles } = st.repos;
    expect(await roles.insertScope({ id: 50, name: 'Imported', value: 'imported' })).toEqual({ id: 50, name: 'Imported', description: '', value: 'imported' });
    expect((await roles.insertScope({ name: 'Next', description: 'd', value: 'next' })).id).toBe(51);
    await expect(roles.insertScope({ name: 'Other', value: 'next' })).rejects.toEqual(new UniqueViolation('scope_value'));
    await expect(roles.insertScope({ name: 'Next', value: 'other' })).rejects.toEqual(new UniqueViolation('scope_name'));
    expect((await roles.insertRole({ id: 7, name: 'imported-role' })).id).toBe(7);
    expect((await roles.insertRole({ name: 'next-role', description: 'x' })).id).toBe(8);
    await expect(roles.insertRole({ name: 'next-role' })).rejects.toEqual(new UniqueViolation('role_name'));
  });

  it('a user row carries its role names and its roles\' scopes; deleting a role or a scope takes them away', async () => {
    const { roles, users } = st.repos;
    const read = await roles.insertScope({ name: 'Read', value: 'read' });
    const write = await roles.insertScope({ name: 'Write', value: 'write' });
    const reader = await roles.insertRole({ name: 'reader' });
    const writer = await roles.insertRole({ name: 'writer' });
    await roles.setRoleScopes(reader.id, [read.id]);
    await roles.setRoleScopes(writer.id, [read.id, write.id, write.id]);
    expect((await roles.listRoles()).find((r) => r.id === writer.id)).toEqual({ id: writer.id, name: 'writer', description: '', scopeIds: [read.id, write.id] });

    const u = await users.insert(user({ firstName: 'Gareth', lastName: 'Beaumains' }));
    await users.setRoles(u.id, [writer.id, reader.id]);
    expect(await users.findById(u.id)).toMatchObject({ firstName: 'Gareth', lastName: 'Beaumains', roles: ['reader', 'writer'], roleScopes: ['read', 'write'] });
    expect((await users.findByLogin(u.email!))?.roleScopes).toEqual(['read', 'write']);
    expect((await users.list({ limit: 100, offset: 0 })).items.find((x) => x.id === u.id)?.roles).toEqual(['reader', 'writer']);

    await roles.deleteScope(write.id);
    expect(await users.findById(u.id)).toMatchObject({ roles: ['reader', 'writer'], roleScopes: ['read'] });
    await roles.deleteRole(reader.id);
    expect(await users.findByAccountNumber(u.accountNumber)).toMatchObject({ id: u.id, roles: ['writer'], roleScopes: ['read'] });
    await users.setRoles(u.id, []);
    expect(await users.findById(u.id)).toMatchObject({ roles: [], roleScopes: [] });
    expect(await users.findByAccountNumber(987_654)).toBeUndefined();
  });

  it('concurrent inserts from two connections get distinct account numbers', async () => {
    const other = createRepos(await st.open());
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : st.repos).users.insert(user())));
    const numbers = made.map((u) => u.accountNumber);
    expect(new Set(numbers).size).toBe(20);
    for (const u of made) expect((await st.repos.users.findById(u.id))?.accountNumber).toBe(u.accountNumber);
  });
});
