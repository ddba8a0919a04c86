// The measured scenarios. Each prepares its data over HTTP (as a client would), probes the route once
// (a 404 means the face is not built or not mounted: the scenario is skipped, loudly), and returns the
// autocannon request for Tessera plus a same-shaped static request for the bare baseline.
import { randomBytes } from 'node:crypto';
import { FORM, JSON_TYPE, PASSWORD, bareOf, call, expect, login, newUser, routeMissing } from './client.js';
import { MFA_SCENARIOS } from './mfa-scenario.js';
import { WEBHOOK_SCENARIOS } from './webhook-scenarios.js';
import { PEER_SCENARIOS } from './peer-scenarios.js';

/** GET /users/me with a bearer token `tokenOf(base, email)` gives for a new user. */
function meWith(tokenOf) {
  return async (base) => {
    const email = await newUser(base);
    const token = await tokenOf(base, email);
    const probe = await call(base, 'GET', '/users/me', { token });
    const skip = routeMissing(probe, 'GET /users/me');
    if (skip) return { skip };
    expect(probe, 200, 'GET /users/me');
    const req = { method: 'GET', path: '/users/me', headers: { authorization: `Bearer ${token}` } };
    return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req)] } };
  };
}
const jwtOf = async (base, email) => (await login(base, email)).access_token;
/** The oauth2 face's password grant: with TESSERA_OAUTH2_TOKEN_FORMAT=opaque, a UUID, not a JWT. */
async function oauth2TokenOf(base, email) {
  const res = expect(await call(base, 'POST', '/oauth/token', { form: { grant_type: 'password', username: email, password: PASSWORD } }), 200, 'password grant');
  const token = res.data.access_token;
  if (!/^[0-9a-f-]{36}$/.test(token)) throw new Error('the password grant did not issue an opaque token');
  return token;
}

const ALL = {
  /** Reference, not a goal: the same stack (hooks, security headers, logger) with no auth and no database. */
  healthz: {
    title: 'GET /healthz (reference: stack only)',
    async prepare(base) {
      const probe = await call(base, 'GET', '/healthz');
      expect(probe, 200, 'GET /healthz');
      const req = { method: 'GET', path: '/healthz' };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req)] } };
    },
  },

  /** An authenticated read: JWT check (cache), revocation check, user row, UserRead. */
  me: { title: 'GET /users/me with a JWT', prepare: meWith(jwtOf) },

  /** The same read under five times the connections (the baseline too). */
  'me-50c': { title: 'GET /users/me with a JWT, 50 connections', connections: 50, prepare: meWith(jwtOf) },

  /** The same read with an opaque oauth2 token: looked up by its SHA-256 once, then from memory. */
  'me-opaque': {
    title: 'GET /users/me with an opaque oauth2 token',
    env: { TESSERA_OAUTH2_TOKEN_FORMAT: 'opaque' },
    prepare: meWith(oauth2TokenOf),
  },

  /** RFC 7662 introspection of another user's access token by an authenticated caller. */
  introspect: {
    title: 'POST /oauth/introspect (access token)',
    async prepare(base) {
      const caller = (await login(base, await newUser(base))).access_token;
      const subject = (await login(base, await newUser(base))).access_token;
      const body = new URLSearchParams({ token: subject }).toString();
      const probe = await call(base, 'POST', '/oauth/introspect', { form: { token: subject }, token: caller });
      const skip = routeMissing(probe, 'POST /oauth/introspect');
      if (skip) return { skip };
      expect(probe, 200, 'POST /oauth/introspect');
      if (probe.data?.active !== true) throw new Error(`introspection of a live token said ${JSON.stringify(probe.data)}`);
      const req = { method: 'POST', path: '/oauth/introspect', headers: { 'content-type': FORM, authorization: `Bearer ${caller}` }, body };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body)] } };
    },
  },

  /**
   * refresh_token grant, a never-used token on every request. Tokens come from
   * a FIFO pool seeded by a few password logins (one session each); every
   * successful response puts its rotated token back at the tail. So each
   * request spends a token exactly once, as a client chaining rotations
   * would, without an argon2 login per measured request. A run that stops
   * loses the tokens of the requests in flight (the server rotated them, the
   * client never read the answer), so the pool is topped up by new logins
   * before every run.
   */
  refresh: {
    title: 'POST /oauth/token grant_type=refresh_token (rotating)',
    async prepare(base, { connections }) {
      const email = await newUser(base);
      const pool = [];
      const refill = async () => {
        while (pool.length < connections * 4) pool.push((await login(base, email)).refresh_token);
      };
      await refill();
      const form = (token) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
      const probe = await call(base, 'POST', '/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: pool.shift() } });
      const skip = routeMissing(probe, 'POST /oauth/token');
      if (skip) return { skip };
      expect(probe, 200, 'refresh_token grant');
      pool.push(probe.data.refresh_token);
      const stats = { exhausted: 0 };
      const req = {
        method: 'POST', path: '/oauth/token', headers: { 'content-type': FORM },
        setupRequest(r) {
          const token = pool.shift();
          if (!token) stats.exhausted++;
          return { ...r, body: form(token ?? 'pool-exhausted') }; // an empty pool shows up as non-2xx
        },
        onResponse(status, body) {
          if (status === 200) pool.push(JSON.parse(body).refresh_token);
        },
      };
      const sample = form(pool[0]);
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, sample)] }, stats, beforeRun: refill };
    },
  },

  /** Password login: one argon2id verification, a session row, a refresh token row, a signed JWT. */
  login: {
    title: 'POST /auth/jwt/login (argon2id verify)',
    hashes: true,
    async prepare(base) {
      const email = await newUser(base);
      const body = new URLSearchParams({ username: email, password: PASSWORD }).toString();
      const probe = await call(base, 'POST', '/auth/jwt/login', { form: { username: email, password: PASSWORD } });
      const skip = routeMissing(probe, 'POST /auth/jwt/login');
      if (skip) return { skip };
      expect(probe, 200, 'login');
      const req = { method: 'POST', path: '/auth/jwt/login', headers: { 'content-type': FORM }, body };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body)] } };
    },
  },

  /** Registration with a new email each time: policy check, one argon2id hash, an insert. */
  register: {
    title: 'POST /auth/register (argon2id hash)',
    async prepare(base) {
      const run = randomBytes(4).toString('hex');
      let n = 0;
      const body = () => JSON.stringify({ email: `r${run}-${n++}@bench.example`, password: PASSWORD });
      const first = JSON.parse(body());
      const probe = await call(base, 'POST', '/auth/register', { json: first });
      const skip = routeMissing(probe, 'POST /auth/register');
      if (skip) return { skip };
      expect(probe, 201, 'register');
      const req = { method: 'POST', path: '/auth/register', headers: { 'content-type': JSON_TYPE }, setupRequest: (r) => ({ ...r, body: body() }) };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req, body())] } };
    },
  },
  /** A hosted page: the sign-in form (template render, CSRF token and cookie). */
  'page-login': {
    title: 'GET /login (hosted page)',
    async prepare(base) {
      const probe = await call(base, 'GET', '/login');
      const skip = routeMissing(probe, 'GET /login (TESSERA_PAGES off?)');
      if (skip) return { skip };
      expect(probe, 200, 'GET /login');
      const req = { method: 'GET', path: '/login' };
      return { bytes: probe.bytes, tessera: { requests: [req] }, bare: { requests: [bareOf(req)] } };
    },
  },

  ...MFA_SCENARIOS,
  ...WEBHOOK_SCENARIOS,
  ...PEER_SCENARIOS,
};

/** Run order: each new row beside the one it extends (login-webhook after login). */
export const SCENARIOS = Object.fromEntries(['healthz', 'me', 'me-50c', 'me-opaque', 'introspect', 'refresh', 'login', 'login-webhook', 'register',
  'mfa-verify', 'page-login', 'webhook-dispatch', ...Object.keys(PEER_SCENARIOS)].map((n) => [n, ALL[n]]));
