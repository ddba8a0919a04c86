import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { FACE_NAMES, PASSWORD, errorShape, faceLogin, randomIp, randomV6Prefix, uniqueEmail } from './support/faces.js';
import { POLICIES, BACKOFF } from '../../src/http/plugins/rate-limit-policies.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ON = { TESSERA_RATE_LIMITS: 'on' };
const LOGIN_MAX = POLICIES.login.perAddress.max;

describe.each(DIALECTS)('rate limits (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, ON);
  });
  afterAll(async () => s?.close());

  const login = (username: string, remoteAddress: string, password = 'wrong password!') => faceLogin(s.app, 'users', username, password, remoteAddress);

  it('limits logins per client address, with Retry-After and the face error format', async () => {
    const ip = randomIp();
    for (let i = 0; i < LOGIN_MAX; i++) expect((await login(uniqueEmail(), ip)).statusCode).toBe(400);
    const limited = await login(uniqueEmail(), ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ detail: 'Too Many Requests' });
    const retry = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    // Another address is unaffected.
    expect((await login(uniqueEmail(), randomIp())).statusCode).toBe(400);
  });

  it('groups IPv6 clients by /64: hopping addresses inside the prefix gains nothing', async () => {
    const prefix = randomV6Prefix();
    for (let i = 0; i < LOGIN_MAX; i++) expect((await login(uniqueEmail(), `${prefix}:${(i + 1).toString(16)}::${i + 7}`)).statusCode).toBe(400);
    expect((await login(uniqueEmail(), `${prefix}:ffff:ffff:ffff:ffff`)).statusCode).toBe(429);
    // The neighbouring /64 is another subscriber.
    const [a, b, c, d] = prefix.split(':');
    const neighbour = `${a}:${b}:${c}:${(parseInt(d!, 16) ^ 1).toString(16)}::1`;
    expect((await login(uniqueEmail(), neighbour)).statusCode).toBe(400);
  });

  it('ignores X-Forwarded-For from a client that is not a configured proxy', async () => {
    const ip = randomIp();
    for (let i = 0; i < LOGIN_MAX; i++) {
      const res = await faceLogin(s.app, 'users', uniqueEmail(), 'wrong password!', ip, { 'x-forwarded-for': randomIp() });
      expect(res.statusCode).toBe(400);
    }
    const res = await faceLogin(s.app, 'users', uniqueEmail(), 'wrong password!', ip, { 'x-forwarded-for': randomIp() });
    expect(res.statusCode).toBe(429);
  });

  it('slows an account down progressively after failed passwords, never locks it for good', async () => {
    const email = uniqueEmail('victim');
    await s.container.users.create({ email, password: PASSWORD });
    const attacker = randomIp();
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) expect((await login(email, attacker)).statusCode).toBe(400);
    // Past the allowance: a first short wait, even for the right password.
    const blocked = await login(email, attacker, PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toEqual({ detail: 'Too Many Requests' });
    expect(blocked.headers['retry-after']).toBe('1');
    // The owner, from another address, is not held back by the attacker's failures.
    expect((await login(email, randomIp(), PASSWORD)).statusCode).toBe(200);
    // The wait doubles with each further failure...
    await sleep(1100);
    expect((await login(email, attacker)).statusCode).toBe(400);
    expect((await login(email, attacker, PASSWORD)).headers['retry-after']).toBe('2');
    // ...and ends: then a success from that address forgives its failures.
    await sleep(2100);
    expect((await login(email, attacker, PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < BACKOFF.pair.free; i++) expect((await login(email, attacker)).statusCode).toBe(400);
  });

  it('counts failures per account across addresses, with a bounded delay', async () => {
    const email = uniqueEmail('target');
    await s.container.users.create({ email, password: PASSWORD });
    // Many addresses, each within its own allowance, together exhaust the account's.
    const per = BACKOFF.pair.free;
    for (let i = 0; i < BACKOFF.account.free + 1; i += 1) {
      expect((await login(email, `10.250.${i % 250}.${Math.floor(i / per) + 1}`)).statusCode).toBe(400);
    }
    const res = await login(email, randomIp(), PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(BACKOFF.account.maxDelayMs / 1000);
    await sleep(1100);
    expect((await login(email, randomIp(), PASSWORD)).statusCode).toBe(200);
  });

  it('a login counts against the account whatever its case or Unicode form', async () => {
    const email = uniqueEmail('casey');
    const attacker = randomIp();
    const variants = [email, email.toUpperCase(), ` ${email}`, email.replace('@', '\uFF20'), email.toUpperCase().replace('C', '\uFF23')];
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) await login(variants[i % variants.length]!, attacker);
    expect((await login(email, attacker)).statusCode).toBe(429);
  });

  it('limits mail per address and per account: forgot-password and request-verify-token', async () => {
    const email = uniqueEmail('mailbox');
    await s.container.users.create({ email, password: PASSWORD });
    const max = POLICIES.mail.perAccount!.max;
    for (let i = 0; i < max; i++) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email }, remoteAddress: randomIp() });
      expect(res.statusCode).toBe(202);
    }
    const res = await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: email.toUpperCase() }, remoteAddress: randomIp() });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ detail: 'Too Many Requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Unknown accounts are limited the same way: a 429 reveals nothing.
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < max; i++) await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: unknown }, remoteAddress: randomIp() });
    expect((await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: unknown }, remoteAddress: randomIp() })).statusCode).toBe(429);
  });

  it('limits registration, verify and reset per address', async () => {
    for (const [url, policy, body] of [
      ['/auth/register', POLICIES.register, () => ({ email: uniqueEmail('reg'), password: 'x' })],
      ['/auth/verify', POLICIES.verify, () => ({ token: uniqueEmail('t') })],
      ['/auth/reset-password', POLICIES.verify, () => ({ token: uniqueEmail('t'), password: PASSWORD })],
    ] as const) {
      const ip = randomIp();
      for (let i = 0; i < policy.perAddress.max; i++) {
        expect((await s.app.inject({ method: 'POST', url, payload: body(), remoteAddress: ip })).statusCode).toBe(400);
      }
      const res = await s.app.inject({ method: 'POST', url, payload: body(), remoteAddress: ip });
      expect(res.statusCode, url).toBe(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    }
  });

  it('limits garbage too: malformed bodies count against the address', async () => {
    const ip = randomIp();
    for (let i = 0; i < LOGIN_MAX; i++) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: '{"username":', headers: { 'content-type': 'application/json' }, remoteAddress: ip });
      expect(res.statusCode).toBe(422);
    }
    expect((await login(uniqueEmail(), ip)).statusCode).toBe(429);
  });

  it('limits refresh attempts per refresh token, across addresses (aegis and oauth2)', async () => {
    const bogus = 'r'.repeat(43);
    const max = POLICIES.refresh.perAccount!.max;
    for (let i = 0; i < max; i++) {
      expect((await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: bogus }, remoteAddress: randomIp() })).statusCode).toBe(401);
    }
    const res = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: bogus }, remoteAddress: randomIp() });
    expect(res.statusCode).toBe(429);
    expect(errorShape('aegis', res)).toBe(true);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const other = 'o'.repeat(43);
    let last;
    for (let i = 0; i <= POLICIES.token.perAccount!.max; i++) {
      last = await s.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=refresh_token&refresh_token=${other}`, remoteAddress: randomIp() });
    }
    expect(last!.statusCode).toBe(429);
    expect(errorShape('oauth2', last!)).toBe(true);
  });

  it.each(FACE_NAMES.filter((f) => f !== 'users'))('answers 429 with Retry-After in the %s face format', async (face) => {
    const ip = randomIp();
    let res;
    for (let i = 0; i < 200; i++) {
      res = await faceLogin(s.app, face, uniqueEmail(), 'wrong password!', ip);
      if (res.statusCode === 429) break;
    }
    expect(res!.statusCode).toBe(429);
    expect(res!.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(errorShape(face, res!)).toBe(true);
  });
});

describe('rate limits behind a configured proxy', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { ...ON, TESSERA_TRUSTED_PROXIES: '10.200.0.0/16' });
  });
  afterAll(async () => s?.close());

  it('keys on X-Forwarded-For only when the socket peer is a trusted proxy', async () => {
    // Through the proxy: each forwarded client has its own budget.
    for (let i = 0; i < LOGIN_MAX + 5; i++) {
      const res = await faceLogin(s.app, 'users', uniqueEmail(), 'wrong password!', '10.200.0.1', { 'x-forwarded-for': randomIp() });
      expect(res.statusCode).toBe(400);
    }
    // One forwarded client through the proxy is limited as itself.
    const client = randomIp();
    const statuses = [];
    for (let i = 0; i < LOGIN_MAX + 1; i++) {
      statuses.push((await faceLogin(s.app, 'users', uniqueEmail(), 'wrong password!', '10.200.0.2', { 'x-forwarded-for': `${client}` })).statusCode);
    }
    expect(statuses.at(-1)).toBe(429);
    // A peer outside the trusted range cannot spoof its way out.
    const direct = randomIp();
    let last = 0;
    for (let i = 0; i < LOGIN_MAX + 1; i++) {
      last = (await faceLogin(s.app, 'users', uniqueEmail(), 'wrong password!', direct, { 'x-forwarded-for': randomIp() })).statusCode;
    }
    expect(last).toBe(429);
  });
});

describe('TESSERA_RATE_LIMITS=off', () => {
  it('switches every limit off (tests, benchmarks)', async () => {
    const s = await startServer('sqlite', { TESSERA_RATE_LIMITS: 'off' });
    try {
      const email = uniqueEmail();
      await s.container.users.create({ email, password: PASSWORD });
      for (let i = 0; i < LOGIN_MAX + 10; i++) expect((await faceLogin(s.app, 'users', email, 'wrong password!', '10.9.9.9')).statusCode).toBe(400);
      expect((await faceLogin(s.app, 'users', email, PASSWORD, '10.9.9.9')).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
});
