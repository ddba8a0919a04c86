import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { BACKOFF, POLICIES } from '../../src/http/plugins/rate-limit-policies.js';
import { memoryCounters } from '../../src/store/rate-counters.js';
import { PASSWORD, errorShape, faceLogin, randomIp, uniqueEmail } from './support/faces.js';

const ON = { TESSERA_RATE_LIMITS: 'on' };
const qs = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Each limited route is keyed on the account its handler acts on, as the
 * route declares it; no extra parameter moves the limit elsewhere, and every
 * route that checks a password is limited and feeds the login back-off.
 */
describe.each(DIALECTS)('rate limits keyed on the route\'s own account (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, ON);
  });
  afterAll(async () => s?.close());

  const simpleLogin = (user: string, pass: string, ip: string, extra: Record<string, string> = {}) =>
    s.app.inject({ url: `/token?${qs({ user, pass, ...extra })}`, remoteAddress: ip });

  /** An account in back-off for address `ip`: the free failures used up, then one more. */
  async function backedOff(ip: string) {
    const email = uniqueEmail('victim');
    await s.container.users.create({ email, password: PASSWORD });
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) expect((await faceLogin(s.app, 'users', email, 'wrong password!', ip)).statusCode).toBe(400);
    expect((await faceLogin(s.app, 'users', email, PASSWORD, ip)).statusCode).toBe(429);
    return email;
  }

  it.each(['username', 'email'])('simple GET /token: a decoy `%s` does not move the back-off off `user`', async (decoy) => {
    const email = uniqueEmail('decoy');
    await s.container.users.create({ email, password: PASSWORD });
    const ip = randomIp();
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) {
      expect((await simpleLogin(email, 'wrong password!', ip, { [decoy]: uniqueEmail('x') })).statusCode).toBe(404);
    }
    const res = await simpleLogin(email, PASSWORD, ip, { [decoy]: uniqueEmail('x') });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ message: 'Too Many Requests' });
  });

  it('the back-off is one per account: a login by username and by email share it', async () => {
    const email = uniqueEmail('both');
    const username = `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await s.container.users.create({ email, username, password: PASSWORD });
    const ip = randomIp();
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) {
      expect((await faceLogin(s.app, i % 2 ? 'aegis' : 'users', i % 2 ? username : email, 'wrong password!', ip)).statusCode).toBeGreaterThanOrEqual(400);
    }
    expect((await simpleLogin(username, PASSWORD, ip)).statusCode).toBe(429);
  });

  it('simple POST /user: a decoy `email` does not move the per-account sign-up limit off `user`', async () => {
    const user = `knight${Math.random().toString(36).slice(2, 8)}`;
    const ip = randomIp();
    const codes: number[] = [];
    for (let i = 0; i <= POLICIES.register.perAccount!.max; i++) {
      codes.push((await s.app.inject({ method: 'POST', url: `/user?${qs({ user, pass: PASSWORD, email: uniqueEmail('x'), username: `d${i}` })}`, remoteAddress: ip })).statusCode);
    }
    expect(codes[0]).toBe(201);
    expect(codes.slice(1, -1).every((c) => c === 403)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });

  it('refresh by `user` (simple) and the refresh grant (oauth2) are keyed by the token, not a decoy username', async () => {
    const ip = randomIp();
    const email = await backedOff(ip);
    // The account's own refresh tokens, obtained from elsewhere.
    const aegis = (await s.app.inject({ method: 'POST', url: '/auth', payload: { username: email, password: PASSWORD }, remoteAddress: randomIp() })).json() as { refresh_token: string };
    const simple = await s.app.inject({ url: `/token?${qs({ user: aegis.refresh_token, username: email })}`, remoteAddress: ip });
    expect(simple.statusCode).toBe(200);
    const oauth = await s.app.inject({
      method: 'POST', url: '/oauth/token', headers: form, remoteAddress: ip,
      payload: qs({ grant_type: 'refresh_token', refresh_token: aegis.refresh_token, username: email }),
    });
    expect(oauth.statusCode).toBe(200);
  });

  it('PATCH /users/me: wrong old_password feeds the login back-off of that account', async () => {
    const email = uniqueEmail('oracle');
    await s.container.users.create({ email, password: PASSWORD });
    const token = ((await faceLogin(s.app, 'users', email, PASSWORD, randomIp())).json() as { access_token: string }).access_token;
    const ip = randomIp();
    const patch = (old: string) => s.app.inject({
      method: 'PATCH', url: '/users/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` }, payload: { old_password: old, new_password: 'a brand new secret' },
    });
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) expect((await patch(`guess number ${i}`)).statusCode).toBe(400);
    const limited = await patch(PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ detail: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The same back-off as login: that address cannot log in to the account either.
    expect((await faceLogin(s.app, 'users', email, PASSWORD, ip)).statusCode).toBe(429);
    // Another address (the owner) is not held back.
    expect((await faceLogin(s.app, 'users', email, PASSWORD, randomIp())).statusCode).toBe(200);
  });

  it('PATCH /users/me: failures from many addresses add up to the account back-off', async () => {
    const email = uniqueEmail('spread');
    await s.container.users.create({ email, password: PASSWORD });
    const token = ((await faceLogin(s.app, 'users', email, PASSWORD, randomIp())).json() as { access_token: string }).access_token;
    const patch = (old: string, ip: string) => s.app.inject({
      method: 'PATCH', url: '/users/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` }, payload: { old_password: old, username: null },
    });
    for (let i = 0; i < BACKOFF.account.free + 1; i++) expect((await patch(`guess ${i}`, randomIp())).statusCode).toBe(400);
    expect((await patch(PASSWORD, randomIp())).statusCode).toBe(429);
  });

  const UUID = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['PATCH', '/users/me', 'account', 'users'],
    ['PATCH', '/user', 'account', 'simple'],
    ['PATCH', `/users/${UUID}`, 'admin', 'users'],
    ['POST', '/users', 'admin', 'users'],
    ['POST', '/auth/refresh', 'refresh', 'aegis'],
  ] as const)('%s %s is limited per client address (%s)', async (method, url, policy, face) => {
    const ip = randomIp();
    for (let i = 0; i < POLICIES[policy].perAddress.max; i++) {
      expect((await s.app.inject({ method, url, payload: {}, remoteAddress: ip })).statusCode).not.toBe(429);
    }
    const res = await s.app.inject({ method, url, payload: {}, remoteAddress: ip });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(errorShape(face, res)).toBe(true);
  });

  it('PATCH /users/me is limited per account, across addresses', async () => {
    const email = uniqueEmail('editor');
    await s.container.users.create({ email, password: PASSWORD });
    const token = ((await faceLogin(s.app, 'users', email, PASSWORD, randomIp())).json() as { access_token: string }).access_token;
    const patch = () => s.app.inject({ method: 'PATCH', url: '/users/me', remoteAddress: randomIp(), headers: { authorization: `Bearer ${token}` }, payload: {} });
    for (let i = 0; i < POLICIES.account.perAccount!.max; i++) expect((await patch()).statusCode).toBe(200);
    expect((await patch()).statusCode).toBe(429);
  });
});

/**
 * The bounded hashing queue is shared fairly: one account (or one address)
 * flooding password routes holds at most its share, and answers 503 past it,
 * while everyone else's login still goes through.
 */
describe.each(DIALECTS)('fair shares of the password-hashing queue (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    // Real-cost hashes, so the flood is still queued when the victim's login arrives.
    s = await startServer(dialect, ON, { hashingLimits: { concurrency: 1, maxQueue: 6 }, hashParams: { memoryCost: 19456, timeCost: 2, parallelism: 1 } });
  });
  afterAll(async () => s?.close());

  it('one account flooding from many addresses does not turn another user\'s login into a 503', async () => {
    const flooded = uniqueEmail('flooded');
    const victim = uniqueEmail('victim');
    await s.container.users.create({ email: flooded, password: PASSWORD });
    await s.container.users.create({ email: victim, password: PASSWORD });
    const flood = Array.from({ length: 20 }, () => faceLogin(s.app, 'users', flooded, 'wrong password!', randomIp()));
    const mine = faceLogin(s.app, 'users', victim, PASSWORD, randomIp());
    const codes = (await Promise.all(flood)).map((r) => r.statusCode);
    expect((await mine).statusCode).toBe(200);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 400 || c === 503)).toBe(true);
  });

  it('one address flooding many accounts does not either', async () => {
    const victim = uniqueEmail('victim');
    await s.container.users.create({ email: victim, password: PASSWORD });
    const ip = randomIp();
    const flood = Array.from({ length: 20 }, () => faceLogin(s.app, 'users', uniqueEmail('nobody'), 'wrong password!', ip));
    const mine = faceLogin(s.app, 'users', victim, PASSWORD, randomIp());
    const codes = (await Promise.all(flood)).map((r) => r.statusCode);
    expect((await mine).statusCode).toBe(200);
    expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0);
  });
});

/** The in-memory table is bounded; a flood of addresses must not flush an account's back-off out of it. */
describe.each(DIALECTS)('a full in-memory rate table (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, ON, { rateCounters: memoryCounters(Date.now, 100) });
  });
  afterAll(async () => s?.close());

  it('keeps a victim\'s failure count while many addresses churn through it', async () => {
    const email = uniqueEmail('victim');
    await s.container.users.create({ email, password: PASSWORD });
    const attacker = randomIp();
    for (let i = 0; i < BACKOFF.pair.free; i++) expect((await faceLogin(s.app, 'users', email, 'wrong password!', attacker)).statusCode).toBe(400);
    // Three times the table's size in fresh addresses, each one cheap request.
    for (let i = 0; i < 300; i++) {
      await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: {}, remoteAddress: `10.77.${i >> 8}.${i & 255}` });
    }
    expect((await faceLogin(s.app, 'users', email, 'wrong password!', attacker)).statusCode).toBe(400);
    expect((await faceLogin(s.app, 'users', email, PASSWORD, attacker)).statusCode).toBe(429);
  });
});
