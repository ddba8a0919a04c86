import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyObject, createSecretKey, sign as cryptoSign, type webcrypto } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, base64url, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../support/harness.js';
import { FACE_NAMES, PASSWORD, errorShape, faceLogin, faceProtected, refusedStatus, tokenOf, uniqueEmail } from './support/faces.js';

/**
 * Forged, altered and misused access tokens, against the protected route of
 * every face: each is refused with 401 in the face's format, never a 500,
 * each in well under 100 ms, and no header makes the server fetch a key.
 */
const enc = (o: object) => base64url.encode(JSON.stringify(o));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LIMIT_MS = 100;

interface Hostile { name: string; token: string }

/** A listener for key URLs in jku/x5u/jwk headers: any request to it is an outbound fetch. */
async function fetchTrap(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Genuine tokens of the profiles without `at+jwt`, to forge variants of. */
interface ProfileTokens { users: string; simple: string; aegis: string }

async function hostileTokens(s: TestServer, valid: string, trapUrl: string, purposeTokens: Record<string, string>, profiles: ProfileTokens): Promise<{ list: Hostile[]; controls: string[] }> {
  const header = decodeProtectedHeader(valid) as Record<string, unknown>;
  const claims = decodeJwt(valid) as JWTPayload & Record<string, unknown>;
  const [h, p, sig] = valid.split('.') as [string, string, string];
  const now = Math.floor(Date.now() / 1000);
  const { kid, alg, key } = s.container.keys.signingKey();
  // Tokens signed with the server's real key but wrong claims: what another deployment sharing it, or a bug, would mint.
  const real = (payload: Record<string, unknown>, hdr: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...hdr } as never).sign(key);
  // Signed by hand where jose itself refuses to produce the token (unknown `crit`): EdDSA, the default.
  const rawReal = (hdr: Record<string, unknown>, payload: Record<string, unknown> = claims) => {
    const input = `${enc({ alg, kid, typ: 'at+jwt', ...hdr })}.${enc(payload)}`;
    const k = key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
    return `${input}.${base64url.encode(cryptoSign(null, Buffer.from(input), k))}`;
  };
  const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const attackerJwk = await exportJWK(attacker.publicKey);
  const byAttacker = (hdr: Record<string, unknown>, payload: Record<string, unknown> = claims) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...hdr } as never).sign(attacker.privateKey);
  const pem = (await s.container.keys.publicPem()) ?? '';
  const jwks = JSON.stringify({ keys: s.container.keys.jwks() });
  const hs256With = (secret: string, hdr: Record<string, unknown> = { kid }) =>
    new SignJWT({ ...claims, scope: 'me admin' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...hdr } as never).sign(createSecretKey(Buffer.from(secret)));

  const list: Hostile[] = [];
  for (const none of ['none', 'None', 'NONE', 'nOnE']) {
    list.push({ name: `alg ${none}`, token: `${enc({ ...header, alg: none })}.${p}.` });
    list.push({ name: `alg ${none} keeping the signature`, token: `${enc({ ...header, alg: none })}.${p}.${sig}` });
  }
  list.push(
    { name: 'HS256 signed with the public key PEM', token: await hs256With(pem) },
    { name: 'HS256 signed with the public key PEM, no kid', token: await hs256With(pem, {}) },
    { name: 'HS256 signed with the JWKS', token: await hs256With(jwks) },
    { name: 'HS256 signed with the kid', token: await hs256With(kid) },
    { name: 'tampered payload (scope)', token: `${h}.${enc({ ...claims, scope: 'me admin' })}.${sig}` },
    { name: 'tampered payload (sub)', token: `${h}.${enc({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${sig}` },
    { name: 'tampered payload (exp)', token: `${h}.${enc({ ...claims, exp: now + 10 ** 9 })}.${sig}` },
    { name: 'tampered header (typ)', token: `${enc({ ...header, typ: 'JWT' })}.${p}.${sig}` },
    { name: 'truncated signature', token: `${h}.${p}.${sig.slice(0, -4)}` },
    { name: 'one-character signature', token: `${h}.${p}.${sig.slice(0, 1)}` },
    { name: 'empty signature', token: `${h}.${p}.` },
    { name: 'two parts', token: `${h}.${p}` },
    { name: 'four parts', token: `${valid}.${sig}` },
    { name: 'signature bit-flipped', token: `${h}.${p}.${(sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)}` },
    { name: 'embedded jwk (attacker key)', token: await byAttacker({ jwk: attackerJwk }) },
    { name: 'embedded jwk with the real kid', token: await byAttacker({ jwk: attackerJwk, kid }) },
    { name: 'jku to a key server', token: await byAttacker({ jku: `${trapUrl}/jwks.json`, kid: 'attacker' }) },
    { name: 'jku with the real kid', token: await byAttacker({ jku: `${trapUrl}/jwks.json`, kid }) },
    { name: 'x5u to a certificate', token: await byAttacker({ x5u: `${trapUrl}/cert.pem`, kid }) },
    { name: 'x5c chain', token: await byAttacker({ x5c: ['MIIB'], kid }) },
    { name: 'kid path traversal', token: await byAttacker({ kid: '../../../../../../dev/null' }) },
    { name: 'kid SQL injection', token: await byAttacker({ kid: "' OR '1'='1' --" }) },
    { name: 'kid SQL injection with union', token: await byAttacker({ kid: "x' UNION SELECT 'k','EdDSA','{}','{}',0,NULL --" }) },
    { name: 'kid NUL byte', token: await byAttacker({ kid: `${kid}\u0000` }) },
    { name: 'kid 2 KB', token: await byAttacker({ kid: 'k'.repeat(2048) }) },
    { name: 'kid null', token: await byAttacker({ kid: null }) },
    { name: 'kid number', token: await byAttacker({ kid: 7 }) },
    { name: 'kid object', token: await byAttacker({ kid: { $ne: null } }) },
    { name: 'kid array', token: await byAttacker({ kid: [kid] }) },
    { name: 'kid __proto__', token: await byAttacker({ kid: '__proto__' }) },
    { name: 'kid constructor', token: await byAttacker({ kid: 'constructor' }) },
    { name: 'real kid, attacker signature', token: await byAttacker({ kid }) },
    { name: 'crit with an unknown extension', token: rawReal({ crit: ['tessera-ext'], 'tessera-ext': true }) },
    { name: 'crit b64=false', token: rawReal({ crit: ['b64'], b64: false }) },
    { name: 'crit naming exp', token: rawReal({ crit: ['exp'] }) },
    { name: 'crit empty', token: rawReal({ crit: [] }) },
    { name: 'wrong iss', token: await real({ ...claims, iss: 'https://evil.example' }) },
    { name: 'no iss', token: await real({ ...claims, iss: undefined }) },
    { name: 'wrong aud', token: await real({ ...claims, aud: 'someone-else' }) },
    { name: 'aud list without ours', token: await real({ ...claims, aud: ['a', 'b'] }) },
    { name: 'wrong typ', token: await real(claims, { typ: 'JWT' }) },
    { name: 'typ of an id token', token: await real(claims, { typ: 'id_token+jwt' }) },
    { name: 'no typ', token: await new SignJWT(claims).setProtectedHeader({ alg, kid } as never).sign(key) },
    { name: 'expired past the leeway', token: await real({ ...claims, iat: now - 3600, exp: now - 120 }) },
    { name: 'not yet valid (nbf)', token: await real({ ...claims, nbf: now + 300 }) },
    { name: 'no exp', token: await real({ ...claims, exp: undefined }) },
    { name: 'exp as a string', token: await real({ ...claims, exp: String(now + 600) }) },
    { name: 'no sid', token: await real({ ...claims, sid: undefined }) },
    { name: 'sub as an object', token: await real({ ...claims, sub: { $ne: null } }) },
    { name: 'payload not JSON', token: `${h}.${base64url.encode('not json')}.${sig}` },
    { name: 'payload a JSON array', token: `${h}.${base64url.encode('[1,2]')}.${sig}` },
    { name: 'header not JSON', token: `${base64url.encode('{"alg":')}.${p}.${sig}` },
    { name: 'header __proto__ pollution', token: `${base64url.encode('{"alg":"EdDSA","__proto__":{"alg":"none"}}')}.${p}.${sig}` },
    { name: 'not base64url', token: `${h}!.${p}.${sig}` },
    { name: 'random text', token: 'hello-world' },
    { name: '10 KB token', token: `${h}.${base64url.encode('x'.repeat(7500))}.${sig}` },
    { name: '10 KB of letters', token: 'a'.repeat(10 * 1024) },
  );
  for (const [kind, value] of Object.entries(purposeTokens)) list.push({ name: `${kind} token as an access token`, token: value });
  // The other profiles: each is held to its own audience and claims, whatever it borrows from another.
  const simple = decodeJwt(profiles.simple) as Record<string, unknown>;
  const aegis = decodeJwt(profiles.aegis) as Record<string, unknown>;
  const users = decodeJwt(profiles.users) as Record<string, unknown>;
  const jwt = (payload: Record<string, unknown>) => real(payload, { typ: 'JWT' });
  list.push(
    { name: 'simple profile with an aud added', token: await jwt({ ...simple, aud: 'tessera' }) },
    { name: 'simple profile with the users aud added', token: await jwt({ ...simple, aud: ['fastapi-users:auth'] }) },
    { name: 'aegis profile with an aud added', token: await jwt({ ...aegis, aud: 'tessera' }) },
    { name: 'simple claims as at+jwt without aud', token: await real(simple) },
    { name: 'users claims without aud', token: await jwt({ ...users, aud: undefined }) },
    { name: 'users claims with the oauth2 aud', token: await jwt({ ...users, aud: 'tessera' }) },
    { name: 'users claims with an empty aud list', token: await jwt({ ...users, aud: [] }) },
    { name: 'simple token_type refresh_token', token: await jwt({ ...simple, token_type: 'refresh_token' }) },
    { name: 'simple unknown authentication_method', token: await jwt({ ...simple, authentication_method: 'magic' }) },
    { name: 'simple without nbf', token: await jwt({ ...simple, nbf: undefined }) },
    { name: 'simple not yet valid (nbf)', token: await jwt({ ...simple, nbf: now + 300 }) },
    { name: 'aegis id of another user', token: await jwt({ ...aegis, id: '00000000-0000-4000-8000-000000000000' }) },
    { name: 'aegis permissions as a string', token: await jwt({ ...aegis, permissions: 'me admin' }) },
    { name: 'aegis claims as at+jwt without aud', token: await real(aegis) },
    { name: 'users profile, attacker signature', token: await byAttacker({ kid, typ: 'JWT' }, users) },
  );
  // Made the same ways with nothing wrong: these must be accepted, or the refusals above prove nothing.
  const controls = [await real(claims), rawReal({}), await jwt(simple), await jwt(aegis), await jwt(users)];
  return { list, controls };
}

describe.each(DIALECTS)('hostile access tokens (%s)', (dialect) => {
  let s: TestServer;
  let trap: Awaited<ReturnType<typeof fetchTrap>>;
  let tokens: Hostile[];
  beforeAll(async () => {
    trap = await fetchTrap();
    s = await startServer(dialect);
    const email = uniqueEmail('arthur');
    await s.container.users.create({ email, password: PASSWORD });
    // The oauth2 face's at+jwt is the base of the forgeries; the other profiles get theirs below.
    const login = await faceLogin(s.app, 'oauth2', email, PASSWORD);
    const valid = tokenOf('oauth2', login);
    await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email } });
    await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email } });
    const mail = await readOutbox(s.outbox, 2);
    const made = await hostileTokens(s, valid, trap.url, {
      refresh: (login.json() as { refresh_token: string }).refresh_token,
      verify: mail.find((m) => m.kind === 'verify')!.token,
      reset: mail.find((m) => m.kind === 'reset')!.token,
    }, {
      users: tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD)),
      simple: tokenOf('simple', await faceLogin(s.app, 'simple', email, PASSWORD)),
      aegis: tokenOf('aegis', await faceLogin(s.app, 'aegis', email, PASSWORD)),
    });
    tokens = made.list;
    // The genuine token works everywhere: the refusals below are about the tokens, not the routes.
    for (const face of FACE_NAMES) {
      for (const token of [valid, ...made.controls]) expect((await faceProtected(s.app, face, token)).statusCode).toBe(200);
    }
    for (let i = 0; i < 5; i++) await faceProtected(s.app, 'users', tokens[i]!.token); // warm-up
  });
  afterAll(async () => {
    await s?.close();
    await trap?.close();
  });

  it.each(FACE_NAMES)('%s face: every hostile token is refused (401; /check 400) in the face format, under 100 ms, with no fetch', async (face) => {
    const failures: string[] = [];
    for (const { name, token } of tokens) {
      const t0 = performance.now();
      const res = await faceProtected(s.app, face, token);
      const ms = performance.now() - t0;
      if (res.statusCode !== refusedStatus(face)) failures.push(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      else if (!errorShape(face, res)) failures.push(`${name}: not in the ${face} format: ${res.body.slice(0, 200)}`);
      else if (ms >= LIMIT_MS) failures.push(`${name}: took ${ms.toFixed(1)} ms`);
    }
    expect(failures).toEqual([]);
    await sleep(50); // a fetch, had one started, would have arrived by now
    expect(trap.hits()).toBe(0);
  });

  it('a genuine token of a deleted user, or of an ended session, is refused too', async () => {
    const email = uniqueEmail('gone');
    const user = await s.container.users.create({ email, password: PASSWORD });
    const ended = tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD));
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: { authorization: `Bearer ${ended}` } })).statusCode).toBe(204);
    const live = tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD));
    await s.container.users.delete(user.id);
    for (const face of FACE_NAMES) {
      for (const token of [ended, live]) expect((await faceProtected(s.app, face, token)).statusCode).toBe(refusedStatus(face));
    }
  });
});

describe.each(['RS256', 'ES256', 'HS256'] as const)('hostile access tokens with TESSERA_JWT_ALG=%s', (alg) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', { TESSERA_JWT_ALG: alg, ...(alg === 'HS256' ? { TESSERA_JWT_SECRET: 's'.repeat(40) } : {}) });
  });
  afterAll(async () => s?.close());

  it('refuses algorithm confusion and foreign signatures', async () => {
    const email = uniqueEmail('kay');
    await s.container.users.create({ email, password: PASSWORD });
    const valid = tokenOf('users', await faceLogin(s.app, 'users', email, PASSWORD));
    const claims = decodeJwt(valid);
    const { kid } = decodeProtectedHeader(valid);
    const pem = (await s.container.keys.publicPem()) ?? '';
    const forged: string[] = [];
    for (const hs of ['HS256', 'HS384', 'HS512'] as const) {
      for (const secret of [pem, JSON.stringify(s.container.keys.jwks()), 's'.repeat(39) + 't']) {
        if (secret) forged.push(await new SignJWT(claims).setProtectedHeader({ alg: hs, kid: kid!, typ: 'at+jwt' }).sign(createSecretKey(Buffer.from(secret))));
      }
    }
    const other = await generateKeyPair('RS256');
    forged.push(await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: kid!, typ: 'at+jwt' }).sign(other.privateKey));
    forged.push(`${enc({ alg: 'none', kid, typ: 'at+jwt' })}.${valid.split('.')[1]}.`);
    for (const token of forged) {
      for (const face of FACE_NAMES) {
        const res = await faceProtected(s.app, face, token);
        expect(res.statusCode, `${face}: ${decodeProtectedHeader(token).alg}`).toBe(refusedStatus(face));
      }
    }
    expect((await faceProtected(s.app, 'users', valid)).statusCode).toBe(200);
  });
});
