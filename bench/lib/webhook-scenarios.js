// Webhooks: a login whose event goes to a subscribed endpoint, and the dispatch of a backlog.
import { randomBytes } from 'node:crypto';
import { ADMIN_ENV, FORM, PASSWORD, adminToken, bareOf, call, expect, inParallel, login, newUser, routeMissing } from './client.js';
import { startReceiver } from './webhook-receiver.js';

/** The receiver is on loopback: a private address, refused unless allowed. */
const WEBHOOK_ENV = { ...ADMIN_ENV, TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' };

async function subscribe(base, url, events) {
  const res = await call(base, 'POST', '/webhooks', { token: await adminToken(base), json: { url, events } });
  if (res.status === 404) return routeMissing(res, 'POST /webhooks');
  expect(res, 201, 'POST /webhooks');
  return undefined;
}

export const WEBHOOK_SCENARIOS = {
  /**
   * Login as `login`, with an endpoint subscribed to login.succeeded: the login takes the
   * transaction path (event and outbox row with the session) and the dispatcher delivers beside it.
   */
  'login-webhook': {
    title: 'POST /auth/jwt/login, login.succeeded delivered to a webhook',
    hashes: true,
    env: WEBHOOK_ENV,
    async prepare(base) {
      const receiver = await startReceiver();
      const skip = await subscribe(base, receiver.url, ['login.succeeded']);
      if (skip) { await receiver.close(); return { skip }; }
      const email = await newUser(base);
      const body = new URLSearchParams({ username: email, password: PASSWORD }).toString();
      const probe = expect(await call(base, 'POST', '/auth/jwt/login', { form: { username: email, password: PASSWORD } }), 200, 'login');
      await receiver.until(1, 10_000); // the path works end to end before it is measured
      const req = { method: 'POST', path: '/auth/jwt/login', headers: { 'content-type': FORM }, body };
      return {
        bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body)] },
        note: () => `${receiver.count} login.succeeded deliveries received during the scenario`,
        cleanup: () => receiver.close(),
      };
    },
  },

  /**
   * Not an autocannon run: BENCH_WEBHOOK_EVENTS user.updated events (a username change each,
   * the cheapest change that records one) are queued while the receiver holds its answers, so
   * the dispatcher sits on its first few attempts and the rest stays queued; then the receiver
   * answers and the clock runs until it has received every event. Reported as deliveries/s.
   */
  'webhook-dispatch': {
    title: 'webhook dispatch of a queued backlog (deliveries/s)',
    custom: true,
    env: WEBHOOK_ENV,
    async run(base, params) {
      const n = params.webhookEvents;
      const receiver = await startReceiver();
      try {
        const skip = await subscribe(base, receiver.url, ['user.updated']);
        if (skip) return { skip };
        const token = (await login(base, await newUser(base))).access_token;
        const tag = randomBytes(3).toString('hex');
        const rounds = [];
        for (let round = 0; round < params.rounds; round++) {
          receiver.reset();
          receiver.hold();
          const t0 = performance.now();
          await inParallel(n, 10, async (i) => {
            expect(await call(base, 'PATCH', '/users/me', { token, json: { username: `b${tag}r${round}n${i}` } }), 200, 'PATCH /users/me');
          });
          const queuedMs = performance.now() - t0;
          const inFlight = receiver.count;
          const start = performance.now();
          receiver.release();
          const end = await receiver.until(n, 120_000);
          const seconds = (end - start) / 1000;
          rounds.push({ rate: n / seconds, seconds, queuedMs, inFlight });
          process.stderr.write(`  round ${round + 1}: ${n} events queued in ${(queuedMs / 1000).toFixed(1)} s (${inFlight} attempts held), `
            + `all received ${seconds.toFixed(2)} s after release: ${(n / seconds).toFixed(0)} deliveries/s\n`);
          // An attempt held past the dispatcher's 10 s timeout is retried ~5 s later: the figure would be the schedule's.
          if (queuedMs > 9_000) process.stderr.write('  WARNING: queueing took longer than the dispatcher\'s 10 s timeout; held attempts were retried\n');
        }
        return { events: n, rounds };
      } finally {
        await receiver.close();
      }
    },
  },
};
