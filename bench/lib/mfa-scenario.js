// mfa-verify: the second step of a password login, POST /auth/mfa/verify with a right TOTP code.
//
// Not a steady state: each verify spends an mfa_token, which only a password login (an argon2id
// verification) makes, and a TOTP code is taken once per user and 30-second step (±1 step of
// drift), so a user can answer about twice at once and then once per step. A steady state of
// ~1000 verifies/s would need ~30 000 enrolled users and as many argon2id logins per second of
// run. So each run is a fixed number of verifies (BENCH_MFA_VERIFIES, after a tenth as many for
// warm-up), from a pool of (user, mfa_token) pairs filled before the run, one pair per user per run.
import { Secret, TOTP } from 'otpauth';
import { JSON_TYPE, PASSWORD, bareOf, call, expect, inParallel, login, newUser, routeMissing } from './client.js';

const STEP_MS = 30_000;
const code = (secret, step) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: step * STEP_MS });
const stepNow = () => Math.floor(Date.now() / STEP_MS);
/**
 * The oldest step the server surely still accepts when the request lands: the one before the
 * current, except in the last 2 s of a step, when the server may have moved on by then.
 */
const oldestSafe = () => (Date.now() % STEP_MS > STEP_MS - 2_000 ? stepNow() : stepNow() - 1);
/** The step a user's next code must be for (after its last accepted one), or undefined when none is accepted yet. */
function nextStep(user) {
  const step = Math.max(user.last + 1, oldestSafe());
  return step <= stepNow() + 1 ? step : undefined;
}

/** A new user with TOTP confirmed; the confirming code counts as its last used step. */
async function enrolledUser(base) {
  const email = await newUser(base);
  const token = (await login(base, email)).access_token;
  const { secret } = expect(await call(base, 'POST', '/auth/mfa/totp/enroll', { token }), 200, 'TOTP enrolment').data;
  const step = oldestSafe();
  expect(await call(base, 'POST', '/auth/mfa/totp/confirm', { token, json: { code: code(secret, step) } }), 200, 'TOTP confirmation');
  return { email, secret, last: step };
}

async function mfaToken(base, email) {
  const res = await call(base, 'POST', '/auth/jwt/login', { form: { username: email, password: PASSWORD } });
  if (res.status !== 400 || res.data?.detail?.code !== 'LOGIN_MFA_REQUIRED') throw new Error(`expected LOGIN_MFA_REQUIRED, got ${res.status} ${JSON.stringify(res.data).slice(0, 200)}`);
  return res.data.detail.mfa_token;
}

export const MFA_SCENARIOS = {
  'mfa-verify': {
    title: 'POST /auth/mfa/verify with a TOTP code (N verifies per run)',
    async prepare(base, params) {
      const amount = params.mfaVerifies;
      const warmupAmount = Math.max(10, Math.round(amount / 10));
      const users = [];
      let pool = [];
      const stats = { users: 0, prepMs: 0 };
      // Users that can answer now, each once; new ones enrolled for the rest. Width 4: the server's
      // two hashing threads each with one login computing and one waiting.
      const fill = async () => {
        const t0 = performance.now();
        const want = amount + warmupAmount;
        const ready = users.filter((u) => nextStep(u) !== undefined).slice(0, want);
        await inParallel(want - ready.length, 4, async () => { const u = await enrolledUser(base); users.push(u); ready.push(u); });
        pool = [];
        await inParallel(ready.length, 4, async (i) => { pool.push({ user: ready[i], token: await mfaToken(base, ready[i].email) }); });
        stats.users = users.length;
        stats.prepMs += performance.now() - t0;
      };
      // The probe's pair; the pools are filled before each run (beforeRun).
      const probeUser = await enrolledUser(base);
      users.push(probeUser);
      const first = { user: probeUser, token: await mfaToken(base, probeUser.email) };
      const step = nextStep(first.user);
      const probe = await call(base, 'POST', '/auth/mfa/verify', { json: { mfa_token: first.token, code: code(first.user.secret, step) } });
      const skip = routeMissing(probe, 'POST /auth/mfa/verify');
      if (skip) return { skip };
      expect(probe, 200, 'POST /auth/mfa/verify');
      first.user.last = step;
      const body = (p, s) => JSON.stringify({ mfa_token: p.token, code: code(p.user.secret, s) });
      const req = {
        method: 'POST', path: '/auth/mfa/verify', headers: { 'content-type': JSON_TYPE },
        setupRequest(r) {
          const p = pool.pop();
          if (!p) return { ...r, body: JSON.stringify({ mfa_token: 'pool-exhausted', code: '000000' }) }; // shows as non-2xx
          const s = nextStep(p.user) ?? p.user.last + 1; // a code the server refuses: non-2xx, never silently skipped
          p.user.last = s;
          return { ...r, body: body(p, s) };
        },
      };
      return {
        bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body(first, step))] },
        run: { amount, warmupAmount }, beforeRun: fill, stats,
        note: () => `${amount} verifies per run (+${warmupAmount} warm-up); ${stats.users} users enrolled, set-up ${(stats.prepMs / 1000).toFixed(1)} s in all`,
      };
    },
  },
};
