import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../src/store/repos/index.js';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { FACE_NAMES, PASSWORD, faceLogin, tokenOf } from './support/faces.js';

/**
 * Property-based fuzzing of every route the server describes in its OpenAPI
 * document (so routes added later are fuzzed too): bodies, query strings and
 * path parameters built from the route's own field names plus hostile keys
 * and values, in JSON, form or raw encodings, anonymously or as an ordinary
 * user. Properties: never a 5xx; nobody else's account changes, and nobody
 * gains privileges. An admin pass checks only "never a 5xx".
 */
const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 30);
const ADMIN_RUNS = Math.max(5, Math.round(RUNS / 2));
/** Every route gets its runs in one test: the budget grows with the routes, not per route. */
const FUZZ_TIMEOUT_MS = 120_000;
const SEED = process.env.TESSERA_FUZZ_SEED ? Number(process.env.TESSERA_FUZZ_SEED) : undefined;

const ADMIN = 'admin@camelot.bt';
const VICTIM = 'victim@camelot.bt';
const ATTACKER = 'mallory@camelot.bt';
const COMMON_FIELDS = ['username', 'password', 'email', 'token', 'refresh_token', 'grant_type', 'scope', 'user', 'pass', 'access_token',
  'is_superuser', 'is_active', 'is_verified', 'scopes', 'old_password', 'new_password', 'id', 'token_type_hint', 'client_id'];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '$where', 'is_superuser', 'scopes', 'admin', ''];

interface Route { method: string; path: string; fields: string[]; required: string[]; pathParams: string[] }

/** Every documented route, with the field names its body and query declare. */
function routesOf(doc: { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }> }; parameters?: { in: string; name: string; required?: boolean }[] }>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schemas = Object.values(op.requestBody?.content ?? {}).map((c) => c.schema ?? {});
      const params = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(), path,
        fields: [...new Set([...schemas.flatMap((sc) => Object.keys(sc.properties ?? {})), ...params.filter((p) => p.in === 'query').map((p) => p.name)])],
        required: [...new Set([...schemas.flatMap((sc) => sc.required ?? []), ...params.filter((p) => p.in === 'query' && p.required).map((p) => p.name)])],
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
      });
    }
  }
  return routes;
}

interface World { adminId: string; victimId: string; victimUsername: string; attackerTokens: Record<string, string>; refresh: string; attackerHash?: string | null }

function arbitraries(w: () => World) {
  const identifiers = fc.constantFrom(ADMIN, VICTIM, ATTACKER, 'ADMIN@CAMELOT.BT', 'ａｄｍｉｎ@camelot.bt', 'admin', 'victim', 'victim ', 'mallory');
  const strings = fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.emailAddress() },
    { weight: 2, arbitrary: identifiers },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(PASSWORD, 'password', 'correct horse battery!', "' OR '1'='1", "'; DROP TABLE users; --", '%', '_', '\\',
      '\u0000', 'a\u0000b', '\ud800', '\u202e', '../../../etc/passwd', '${jndi:ldap://x}', '<script>alert(1)</script>', 'true', 'null', '1e309',
      '__proto__', 'constructor', 'me admin', 'admin', 'password refresh_token', 'x'.repeat(5000), 'y'.repeat(70_000)) },
    { weight: 1, arbitrary: fc.constant(null).map(() => w().refresh) }, // the attacker's own refresh token
  );
  const leaf = fc.oneof(
    { weight: 6, arbitrary: strings },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const value = fc.oneof(
    { weight: 8, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.oneof(fc.constant({ $ne: null }), fc.constant({ $gt: '' }), fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 })) },
  );
  // What a field of that name would plausibly hold, so requests also get past validation and reach core.
  const plausible = (name: string) => {
    if (/pass/.test(name)) return fc.constantFrom(PASSWORD, 'another good password', 'password', 'short', ATTACKER);
    if (/^(email|username|user)$/.test(name)) return fc.oneof(identifiers, fc.emailAddress(), fc.string({ minLength: 1, maxLength: 12 }));
    if (name === 'grant_type') return fc.constantFrom('password', 'refresh_token', 'client_credentials', 'authorization_code');
    if (/token/.test(name)) return fc.oneof(fc.constant(null).map(() => w().refresh), fc.constant(null).map(() => w().attackerTokens.users ?? ''), fc.constant('x'.repeat(43)));
    if (name === 'scope') return fc.constantFrom('me', 'admin', 'me admin', '', 'openid');
    if (name.startsWith('is_')) return fc.constant(true);
    if (name === 'scopes') return fc.constantFrom(['admin'], ['me', 'admin'], []);
    return strings;
  };
  const fieldsFor = (route: Route) => {
    const names = [...new Set([...route.fields, ...COMMON_FIELDS])];
    const optional = route.fields.filter((f) => !route.required.includes(f));
    return fc.record({
      // Mostly the required fields and some optional ones; sometimes any subset, required ones missing.
      known: fc.oneof(
        { weight: 3, arbitrary: fc.subarray(optional, { maxLength: Math.min(2, optional.length) }).map((o) => [...route.required, ...o]) },
        { weight: 1, arbitrary: fc.subarray(route.fields.length ? route.fields : names) },
      ),
      extra: fc.subarray(names, { maxLength: Math.min(3, names.length) }),
      hostile: fc.subarray(HOSTILE_KEYS, { maxLength: 2 }),
    }).chain(({ known, extra, hostile }) => {
      const keys = [...new Set([...known, ...extra, ...hostile])];
      const valueFor = (k: string) => fc.oneof({ weight: 3, arbitrary: plausible(k) as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: value });
      return fc.tuple(...keys.map((k) => valueFor(k).map((v) => [k, v] as const))).map((pairs) => {
        const out: Record<string, unknown> = {};
        // defineProperty: a "__proto__" key is an own property here, as JSON.parse would make it.
        for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
        return out;
      });
    });
  };
  const pathParam = fc.oneof(fc.uuid(), fc.constant(null).map(() => w().victimId), fc.constant(null).map(() => w().adminId), strings.filter((s) => s.length < 3000));
  const auth = fc.constantFrom('none', 'users', 'oauth2', 'simple', 'aegis', 'cookie', 'query', 'garbage');
  const encoding = fc.constantFrom('json', 'json', 'json', 'form', 'form', 'query', 'raw');
  const raw = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '{"a":1}{"b":2}', '\u0000', '{"__proto__":{"x":1}}', 'a=1&a=2&__proto__[x]=1'));
  const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', undefined);
  return { fieldsFor, pathParam, auth, encoding, raw, contentType };
}

/** Lone surrogates replaced: a URL path cannot carry them at all (the client would fail, not the server). */
const wellFormed = (t: string) => t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Flattens a value into query-string/form text the way a hostile client could. */
function toForm(fields: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else if (v !== null && typeof v === 'object') for (const [sk, sv] of Object.entries(v)) p.append(`${k}[${sk}]`, String(sv));
    else p.append(k, String(v));
  }
  return p.toString();
}

function buildRequest(route: Route, w: World, input: { fields: Record<string, unknown>; params: string[]; auth: string; encoding: string; raw: string; contentType: string | undefined }): InjectOptions {
  let url = route.path;
  route.pathParams.forEach((name, i) => { url = url.replace(`{${name}}`, encodeURIComponent(wellFormed(input.params[i] ?? 'x'))); });
  const headers: Record<string, string> = {};
  const query: string[] = [];
  const token = w.attackerTokens[input.auth === 'cookie' || input.auth === 'query' ? 'users' : input.auth];
  if (['users', 'oauth2', 'simple', 'aegis'].includes(input.auth) && token) headers.authorization = `Bearer ${token}`;
  if (input.auth === 'garbage') headers.authorization = 'Bearer ' + 'x.y.z';
  if (input.auth === 'query' && token) query.push(`access_token=${encodeURIComponent(token)}`);
  const req: InjectOptions = { method: route.method as InjectOptions['method'], url, headers };
  if (input.auth === 'cookie' && token) req.cookies = { tessera_auth: token };
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
  if (input.encoding === 'query' || !hasBody) query.push(toForm(input.fields));
  else if (input.encoding === 'json') {
    req.payload = JSON.stringify(input.fields);
    headers['content-type'] = 'application/json';
  } else if (input.encoding === 'form') {
    req.payload = toForm(input.fields);
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    req.payload = input.raw;
    if (input.contentType) headers['content-type'] = input.contentType;
  }
  const q = query.filter(Boolean).join('&');
  if (q) req.url = `${url}?${q}`;
  return req;
}

const snapshot = (u: UserRecord | undefined) => u && {
  id: u.id, email: u.email, username: u.username, passwordHash: u.passwordHash, isActive: u.isActive,
  isSuperuser: u.isSuperuser, isVerified: u.isVerified, scopes: u.scopes, updatedAt: u.updatedAt,
};

describe.each(DIALECTS)('fuzzing every route (%s)', (dialect) => {
  let s: TestServer;
  let world: World;
  let baseline: { admin: ReturnType<typeof snapshot>; victim: ReturnType<typeof snapshot> };
  let victimToken: string;
  let routes: Route[];

  async function resetAttacker(): Promise<void> {
    // By email and by name: a previous run may have renamed either.
    for (const login of [ATTACKER, 'mallory']) {
      const existing = await s.container.repos.users.findByLogin(login);
      if (existing) await s.container.users.delete(existing.id);
    }
    const created = await s.container.users.create({ email: ATTACKER, username: 'mallory', password: PASSWORD });
    const tokens: Record<string, string> = {};
    let refresh = '';
    for (const face of FACE_NAMES) {
      const res = await faceLogin(s.app, face, ATTACKER, PASSWORD);
      tokens[face] = tokenOf(face, res);
      if (face === 'users') refresh = (res.json() as { refresh_token: string }).refresh_token;
    }
    world = { ...world, attackerTokens: tokens, refresh, attackerHash: created.passwordHash };
  }

  beforeAll(async () => {
    s = await startServer(dialect);
    const admin = await s.container.users.create({ email: ADMIN, username: 'admin', password: PASSWORD, isSuperuser: true, isVerified: true });
    const victim = await s.container.users.create({ email: VICTIM, username: 'victim', password: PASSWORD });
    world = { adminId: admin.id, victimId: victim.id, victimUsername: 'victim', attackerTokens: {}, refresh: '' };
    baseline = { admin: snapshot(admin), victim: snapshot(victim) };
    victimToken = tokenOf('users', await faceLogin(s.app, 'users', VICTIM, PASSWORD));
    routes = routesOf(s.app.swagger() as never);
  });
  afterAll(async () => s?.close());

  /** Nobody but the attacker changed; nobody gained a privilege; the victim's session is untouched. */
  async function expectInvariants(label: string): Promise<void> {
    expect(snapshot(await s.container.repos.users.findById(world.adminId)), `${label}: admin changed`).toEqual(baseline.admin);
    expect(snapshot(await s.container.repos.users.findById(world.victimId)), `${label}: victim changed`).toEqual(baseline.victim);
    const all = (await s.container.users.list({ limit: 10_000, offset: 0 })).items;
    expect(all.filter((u) => u.isSuperuser).map((u) => u.email), `${label}: a new superuser`).toEqual([ADMIN]);
    expect(all.filter((u) => u.scopes.length > 0).map((u) => u.email), `${label}: granted scopes`).toEqual([]);
    expect(all.filter((u) => u.isVerified).map((u) => u.email), `${label}: verified without a mailed token`).toEqual([ADMIN]);
    await expect(s.container.sessions.authenticate(victimToken), `${label}: the victim's session ended`).resolves.toBeTruthy();
  }

  it('the OpenAPI document lists the routes of every face', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    for (const p of ['POST /auth/jwt/login', 'PATCH /users/{id}', 'POST /oauth/token', 'POST /user', 'POST /auth']) expect(paths).toContain(p);
  });

  it('as an anonymous client or an ordinary user: never a 5xx, never a change to anyone else, never a privilege', async () => {
    const arb = arbitraries(() => world);
    for (const route of routes) {
      await resetAttacker();
      const input = fc.record({
        fields: arb.fieldsFor(route), params: fc.array(arb.pathParam, { minLength: route.pathParams.length, maxLength: route.pathParams.length }),
        auth: arb.auth, encoding: arb.encoding, raw: arb.raw, contentType: arb.contentType,
      });
      await fc.assert(fc.asyncProperty(input, async (i) => {
        const req = buildRequest(route, world, i);
        const res: LightMyRequestResponse = await s.app.inject(req);
        const label = `${req.method} ${String(req.url).slice(0, 200)} (${i.auth}, ${i.encoding}) → ${res.statusCode} ${res.body.slice(0, 200)}`;
        expect(res.statusCode, label).toBeLessThan(500);
        await expectInvariants(label);
        // An attacker who changed or deleted their own account (allowed: it is theirs) starts the next run afresh.
        const me = await s.container.users.findByEmail(ATTACKER);
        if (!me || !me.isActive || me.passwordHash !== world.attackerHash) await resetAttacker();
      }), { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true });
    }
  }, FUZZ_TIMEOUT_MS);
});

describe.each(DIALECTS)('fuzzing admin routes as an admin (%s)', (dialect) => {
  it('never a 5xx, whatever the body', async () => {
    const s = await startServer(dialect);
    try {
      const victim = await s.container.users.create({ email: VICTIM, username: 'victim', password: PASSWORD });
      const world: World = { adminId: '', victimId: victim.id, victimUsername: 'victim', attackerTokens: {}, refresh: '' };
      /** A live superuser with a live token: previous runs may have demoted, deactivated, renamed or deleted it. */
      const ensureAdmin = async () => {
        const current = world.adminId ? await s.container.repos.users.findById(world.adminId) : undefined;
        const token = world.attackerTokens.users;
        const live = token && (await s.container.sessions.authenticate(token).then(() => true, () => false));
        if (current?.isActive && current.isSuperuser && current.scopes.length === 0 && live) return;
        // Straight from the store: the fixture resets itself, past the rule that keeps the last superuser.
        for (const login of [ADMIN, 'admin']) {
          const u = await s.container.repos.users.findByLogin(login);
          if (u) await s.container.repos.users.delete(u.id);
        }
        if (current) await s.container.repos.users.delete(current.id);
        const admin = await s.container.users.create({ email: ADMIN, username: 'admin', password: PASSWORD, isSuperuser: true, isVerified: true });
        const t = tokenOf('users', await faceLogin(s.app, 'users', ADMIN, PASSWORD));
        Object.assign(world, { adminId: admin.id, attackerTokens: { users: t, oauth2: t, simple: t, aegis: t } });
      };
      const arb = arbitraries(() => world);
      const adminRoutes = routesOf(s.app.swagger() as never).filter((r) => r.path.startsWith('/users') || r.path.startsWith('/oauth/'));
      for (const route of adminRoutes) {
        const input = fc.record({
          fields: arb.fieldsFor(route), params: fc.array(arb.pathParam, { minLength: route.pathParams.length, maxLength: route.pathParams.length }),
          auth: fc.constant('users'), encoding: arb.encoding, raw: arb.raw, contentType: arb.contentType,
        });
        await fc.assert(fc.asyncProperty(input, async (i) => {
          await ensureAdmin();
          const req = buildRequest(route, world, i);
          const res = await s.app.inject(req);
          expect(res.statusCode, `${req.method} ${String(req.url).slice(0, 200)} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        }), { numRuns: ADMIN_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true });
      }
    } finally {
      await s.close();
    }
  }, FUZZ_TIMEOUT_MS);
});
