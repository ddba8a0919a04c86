import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDb, startServer, type TestDb, type TestServer } from '../support/harness.js';
import { BACKOFF, POLICIES } from '../../src/http/plugins/rate-limit-policies.js';
import { redisCounters } from '../../src/store/rate-counters.js';
import { expectUnhitContract } from '../support/rate-counters.js';
import { PASSWORD, faceLogin, randomIp, uniqueEmail } from './support/faces.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const REDIS_PORT = Number(process.env.TESSERA_TEST_REDIS_PORT ?? 6379);
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;
const LOGIN_MAX = POLICIES.login.perAddress.max;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function redisReady(s: TestServer, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (s.container.redis?.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis not ready: ${s.container.redis?.status}`);
    await sleep(20);
  }
}

const wrongLogin = (s: TestServer, ip: string, login = uniqueEmail()) => faceLogin(s.app, 'users', login, 'wrong password!', ip);

describe.each(DIALECTS)('rate limits shared through Redis (%s)', (dialect) => {
  let db: TestDb;
  let a: TestServer;
  let b: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    db = freshDb(dialect);
    const env = { TESSERA_RATE_LIMITS: 'on', TESSERA_REDIS_URL: REDIS_URL };
    a = await startServer(dialect, env, { db });
    b = await startServer(dialect, env, { db });
    redis = new Redis(REDIS_URL);
    await Promise.all([redisReady(a), redisReady(b)]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    redis?.disconnect();
  });

  it('takes a hit back in Redis, never below zero and never starting a window', async () => {
    await expectUnhitContract(redisCounters(redis, `tessera:test:${randomUUID()}:`));
  });

  it('one budget per address across instances, kept in Redis', async () => {
    const ip = randomIp();
    for (let i = 0; i < LOGIN_MAX; i++) expect((await wrongLogin(i % 2 ? a : b, ip)).statusCode).toBe(400);
    expect(Number(await redis.get(`tessera:rl:login:ip:${ip}`))).toBe(LOGIN_MAX);
    expect((await wrongLogin(a, ip)).statusCode).toBe(429);
    const res = await wrongLogin(b, ip);
    expect(res.statusCode).toBe(429);
    const ttl = await redis.pttl(`tessera:rl:login:ip:${ip}`);
    expect(Math.abs(Number(res.headers['retry-after']) - Math.ceil(ttl / 1000))).toBeLessThanOrEqual(1);
  });

  it('an account slowed down on one instance is slowed down on the other', async () => {
    const email = uniqueEmail('shared');
    await a.container.users.create({ email, password: PASSWORD });
    const ip = randomIp();
    for (let i = 0; i < BACKOFF.pair.free + 1; i++) expect((await wrongLogin(a, ip, email)).statusCode).toBe(400);
    const res = await faceLogin(b.app, 'users', email, PASSWORD, ip);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
  });
});

describe('when Redis goes away', () => {
  let proxy: TcpProxy;
  let s: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    proxy = await startTcpProxy(REDIS_PORT);
    s = await startServer('sqlite', { TESSERA_RATE_LIMITS: 'on', TESSERA_REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    redis = new Redis(REDIS_URL);
    await redisReady(s);
  });
  afterAll(async () => {
    await s?.close();
    await proxy?.close();
    redis?.disconnect();
  });

  it('falls back to per-instance memory limits, never a 500, and uses Redis again once it is back', async () => {
    const ip = randomIp();
    const key = `tessera:rl:login:ip:${ip}`;
    for (let i = 0; i < 5; i++) expect((await wrongLogin(s, ip)).statusCode).toBe(400);
    expect(Number(await redis.get(key))).toBe(5);

    await proxy.cut();
    const during: number[] = [];
    for (let i = 0; i < LOGIN_MAX + 1; i++) during.push((await wrongLogin(s, ip)).statusCode);
    // Still limited (in memory, from zero), and nothing failed.
    expect(during.slice(0, LOGIN_MAX).every((c) => c === 400)).toBe(true);
    expect(during.at(-1)).toBe(429);
    expect(Number(await redis.get(key))).toBe(5);

    await proxy.restore();
    await redisReady(s, 10_000);
    await sleep(1_100); // after a failure Redis is left alone for a second
    expect((await wrongLogin(s, ip)).statusCode).toBe(400);
    expect(Number(await redis.get(key))).toBe(6);
  });

  it('starts and serves when Redis is unreachable from the start', async () => {
    const down = await startServer('sqlite', { TESSERA_RATE_LIMITS: 'on', TESSERA_REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const ip = randomIp();
      const codes: number[] = [];
      for (let i = 0; i < LOGIN_MAX + 1; i++) codes.push((await wrongLogin(down, ip)).statusCode);
      expect(codes.filter((c) => c >= 500)).toEqual([]);
      expect(codes.at(-1)).toBe(429);
    } finally {
      await down.close();
    }
  });
});
