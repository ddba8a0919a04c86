import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { OWASP_ARGON2 } from '../../src/crypto/password-hasher.js';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, uniqueEmail } from './support/faces.js';

/**
 * Whether an account exists must not show in response time. Each pair of
 * routes is measured interleaved (existing, unknown, unknown, existing, …) so
 * machine load hits both sides alike, and medians are compared. Password
 * hashing runs at production cost here: it is what makes the paths equal.
 */
// At least 30 per side as asked; more where a request costs under a millisecond and noise weighs more.
const HASHING_SAMPLES = 40;
const CHEAP_SAMPLES = 100;
const WARMUP = 4;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/**
 * One request's response time. Mail for an existing account is issued after
 * the response has gone; it is let finish before the next request, so the
 * measurement is of each response alone, not of the previous one's mail.
 */
async function timed(s: TestServer, req: InjectOptions, expected: number): Promise<number> {
  const t0 = performance.now();
  const res = await s.app.inject(req);
  const ms = performance.now() - t0;
  expect(res.statusCode, res.body).toBe(expected);
  await s.container.accountTokens.drain();
  return ms;
}

describe.each(DIALECTS)('no account enumeration through timing (%s)', (dialect) => {
  let s: TestServer;
  const known = uniqueEmail('known');
  const ghost = uniqueEmail('ghost');
  beforeAll(async () => {
    s = await startServer(dialect, {}, { hashParams: OWASP_ARGON2 });
    await s.container.users.create({ email: known, password: PASSWORD });
  });
  afterAll(async () => s?.close());

  /** Asserts the median ratio existing/unknown over interleaved samples is within 0.8–1.25. */
  async function expectSameTime(samples: number, existing: () => Promise<number>, unknown: () => Promise<number>): Promise<void> {
    const e: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < WARMUP; i++) {
      await existing();
      await unknown();
    }
    for (let i = 0; i < samples; i++) {
      // Alternate which goes first, so neither side always follows the other.
      if (i % 2) {
        e.push(await existing());
        u.push(await unknown());
      } else {
        u.push(await unknown());
        e.push(await existing());
      }
    }
    const r = median(e) / median(u);
    const detail = `existing ${median(e).toFixed(2)} ms, unknown ${median(u).toFixed(2)} ms, ratio ${r.toFixed(3)}`;
    expect(r, detail).toBeGreaterThanOrEqual(0.8);
    expect(r, detail).toBeLessThanOrEqual(1.25);
  }

  it('login: an existing account with a wrong password takes as long as an unknown account', async () => {
    await expectSameTime(HASHING_SAMPLES,
      () => timed(s, { method: 'POST', url: '/auth/jwt/login', payload: { username: known, password: 'not the password' } }, 400),
      () => timed(s, { method: 'POST', url: '/auth/jwt/login', payload: { username: ghost, password: 'not the password' } }, 400),
    );
  });

  it('register: a taken email takes as long as a new one', async () => {
    await expectSameTime(HASHING_SAMPLES,
      () => timed(s, { method: 'POST', url: '/auth/register', payload: { email: known, password: 'another good password' } }, 400),
      () => timed(s, { method: 'POST', url: '/auth/register', payload: { email: uniqueEmail('fresh'), password: 'another good password' } }, 201),
    );
  });

  it('forgot-password: an existing account takes as long as an unknown one', async () => {
    await expectSameTime(CHEAP_SAMPLES,
      () => timed(s, { method: 'POST', url: '/auth/forgot-password', payload: { email: known } }, 202),
      () => timed(s, { method: 'POST', url: '/auth/forgot-password', payload: { email: ghost } }, 202),
    );
  });

  it('request-verify-token: an existing unverified account takes as long as an unknown one', async () => {
    await expectSameTime(CHEAP_SAMPLES,
      () => timed(s, { method: 'POST', url: '/auth/request-verify-token', payload: { email: known } }, 202),
      () => timed(s, { method: 'POST', url: '/auth/request-verify-token', payload: { email: ghost } }, 202),
    );
  });
});
