import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { DIALECTS, TEST_HASH, startServer, type TestServer } from '../../support/harness.js';
import { form, sb } from '../../support/users-fixtures.js';

const PASSWORD = 'imported from the old system';
const CURRENT = `$argon2id$v=19$m=${TEST_HASH.memoryCost},t=${TEST_HASH.timeCost},p=${TEST_HASH.parallelism}$`;

function scryptPhc(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** 4, r: 8, p: 1 });
  return `$scrypt$ln=4,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Hashes another system would have written, each imported as-is through the users repo. */
const FOREIGN: [string, () => Promise<string>][] = [
  ['bcrypt', () => bcrypt.hash(PASSWORD, 4)],
  ['argon2id with other parameters', () => argonHash(PASSWORD, { algorithm: Algorithm.Argon2id, memoryCost: 2048, timeCost: 1, parallelism: 2 })],
  ['argon2i', () => argonHash(PASSWORD, { algorithm: Algorithm.Argon2i, memoryCost: TEST_HASH.memoryCost, timeCost: TEST_HASH.timeCost, parallelism: 1 })],
  ['scrypt (PHC)', async () => scryptPhc(PASSWORD)],
];

describe.each(DIALECTS)('imported password hashes (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  async function importUser(email: string, passwordHash: string) {
    const at = Date.now();
    return s.container.repos.users.insert({
      id: randomUUID(), email, username: null, passwordHash, isActive: true, isSuperuser: false, isVerified: true, scopes: [], createdAt: at, updatedAt: at,
    });
  }
  const login = (username: string, password: string) => s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) });
  const storedHash = async (id: string) => (await s.container.repos.users.findById(id))!.passwordHash!;

  it.each(FOREIGN)('a %s hash verifies at login and is rehashed to the current argon2id parameters', async (name, make) => {
    const imported = await make();
    const u = await importUser(`${name.replace(/\W+/g, '-')}@import.bt`, imported);
    expect(imported.startsWith(CURRENT)).toBe(false);

    const wrong = await login(u.email!, 'not the imported password');
    expect(sb(wrong)).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
    expect(await storedHash(u.id)).toBe(imported);

    expect((await login(u.email!, PASSWORD)).statusCode).toBe(200);
    const rehashed = await storedHash(u.id);
    expect(rehashed).not.toBe(imported);
    expect(rehashed.startsWith(CURRENT)).toBe(true);
    expect(await argonVerify(rehashed, PASSWORD)).toBe(true);

    // Already current: the next login leaves it alone, and the password still works.
    expect((await login(u.email!, PASSWORD)).statusCode).toBe(200);
    expect(await storedHash(u.id)).toBe(rehashed);
  });

  it('a hash at the current parameters is not rewritten at login', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'native@camelot.bt', password: PASSWORD } });
    const before = await storedHash(res.json().id);
    expect(before.startsWith(CURRENT)).toBe(true);
    expect((await login('native@camelot.bt', PASSWORD)).statusCode).toBe(200);
    expect(await storedHash(res.json().id)).toBe(before);
  });

  it('a malformed stored hash never authenticates and never errors', async () => {
    for (const [i, bad] of ['$2b$04$short', '$argon2id$v=19$m=1,t=1,p=1$bad$bad', '$scrypt$ln=99,r=8,p=1$AA$AA', 'plaintext', ''].entries()) {
      const u = await importUser(`broken${i}@import.bt`, bad);
      expect(sb(await login(u.email!, PASSWORD))).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
      expect(sb(await login(u.email!, bad === '' ? 'x' : bad))).toEqual({ status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } });
    }
  });
});
