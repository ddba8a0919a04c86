import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/harness.js';
import { insertOwner, openStore, type TestStore } from '../support/store.js';

const T = 1_700_000_000_000;

/** The "once only" rules of MFA are single conditional statements: of concurrent uses exactly one wins. */
describe.each(DIALECTS)('mfa repo contract (%s)', (dialect) => {
  let st: TestStore;
  beforeAll(async () => { st = await openStore(dialect); });
  afterAll(async () => { await st.close(); });
  const mfa = () => st.repos.mfa;

  // Each test's user needs an address of its own (emails are unique).
  const newUser = () => insertOwner(st, T, `${randomUUID()}@camelot.bt`);

  it('claims a TOTP step once, and never one older than the last', async () => {
    const id = await newUser();
    await mfa().setPendingTotp(id, 'sealed-1', T);
    expect(await mfa().claimTotpStep(id, 5)).toBe(false); // nothing confirmed yet
    expect(await mfa().confirmTotp(id, 'sealed-1', 10, T)).toBe(true);
    const results = await Promise.all(Array.from({ length: 8 }, () => mfa().claimTotpStep(id, 11)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await mfa().claimTotpStep(id, 10)).toBe(false);
    expect(await mfa().claimTotpStep(id, 12)).toBe(true);
  });

  it('a new pending secret leaves the confirmed one in force; confirming needs the pending secret still stored', async () => {
    const id = await newUser();
    await mfa().setPendingTotp(id, 'a', T);
    await mfa().confirmTotp(id, 'a', 1, T);
    await mfa().setPendingTotp(id, 'b', T);
    await mfa().setPendingTotp(id, 'c', T);
    expect(await mfa().findTotp(id)).toMatchObject({ secretEnc: 'a', pendingEnc: 'c', lastStep: 1 });
    expect(await mfa().confirmTotp(id, 'b', 2, T)).toBe(false);
    expect(await mfa().confirmTotp(id, 'c', 2, T)).toBe(true);
    expect(await mfa().findTotp(id)).toMatchObject({ secretEnc: 'c', pendingEnc: null, lastStep: 2 });
    expect(await mfa().deleteTotp(id)).toBe(true);
    expect(await mfa().findTotp(id)).toBeUndefined();
  });

  it('spends a recovery code once; replacing the codes kills the old ones', async () => {
    const id = await newUser();
    await mfa().replaceRecoveryCodes(id, ['h1', 'h2'], T);
    const results = await Promise.all(Array.from({ length: 6 }, () => mfa().useRecoveryCode(id, 'h1')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await mfa().countRecoveryCodes(id)).toBe(1);
    await mfa().replaceRecoveryCodes(id, ['h3'], T);
    expect(await mfa().useRecoveryCode(id, 'h2')).toBe(false);
    expect(await mfa().useRecoveryCode(await newUser(), 'h3')).toBe(false); // another user's code
  });

  it('counts failed answers atomically and spends a challenge once', async () => {
    const id = await newUser();
    const challenge = { id: randomUUID(), tokenHash: randomUUID(), userId: id, backend: 'jwt', scope: null, credentialsVersion: 0, createdAt: T, expiresAt: T + 300_000 };
    await mfa().insertChallenge(challenge);
    const fails = await Promise.all(Array.from({ length: 8 }, () => mfa().failChallenge(challenge.tokenHash, T, 5)));
    expect(fails.filter(Boolean)).toHaveLength(5);
    expect(await mfa().findLiveChallenge(challenge.tokenHash, T, 5)).toBeUndefined();
    expect(await mfa().spendChallenge(challenge.tokenHash, T, 5)).toBe(false);

    const other = { ...challenge, id: randomUUID(), tokenHash: randomUUID(), scope: ['me'] };
    await mfa().insertChallenge(other);
    expect(await mfa().findLiveChallenge(other.tokenHash, T, 5)).toMatchObject({ userId: id, scope: ['me'], attempts: 0 });
    expect(await mfa().findLiveChallenge(other.tokenHash, other.expiresAt, 5)).toBeUndefined();
    const spends = await Promise.all(Array.from({ length: 6 }, () => mfa().spendChallenge(other.tokenHash, T, 5)));
    expect(spends.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the second-factor flag on the user row', async () => {
    const email = `${randomUUID()}@camelot.bt`;
    const id = await insertOwner(st, T, email);
    expect((await st.repos.users.findById(id))?.mfaEnabled).toBe(false);
    await st.repos.users.setMfaEnabled(id, true);
    expect((await st.repos.users.findById(id))?.mfaEnabled).toBe(true);
    expect((await st.repos.users.findByLogin(email))?.mfaEnabled).toBe(true);
  });
});
