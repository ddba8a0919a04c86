import { createSecretKey } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { pyjwtDecode } from '../../support/client-verifiers.js';
import { aegisLogin, claimsOf, PASS, simpleSignup, simpleToken } from '../../support/faces-client.js';
import { bearer, login } from '../../support/users-client.js';
import { FACE_NAMES, faceProtected, refusedStatus } from '../../security/support/faces.js';

const SECRETS = { users: 'u'.repeat(32) + ' users secret', simple: 's'.repeat(32) + ' simple secret', aegis: 'a'.repeat(32) + ' aegis secret' };
const keyOf = (secret: string) => createSecretKey(Buffer.from(secret, 'utf8'));

describe.each(DIALECTS)('face secrets: TESSERA_{USERS,SIMPLE,AEGIS}_JWT_SECRET (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_USERS_JWT_SECRET: SECRETS.users, TESSERA_SIMPLE_JWT_SECRET: SECRETS.simple, TESSERA_AEGIS_JWT_SECRET: SECRETS.aegis });
    await simpleSignup(s.app, 'lancelot');
  });
  afterAll(async () => { await s.close(); });

  it('each face signs HS256 with its own secret; the old system\'s verifiers accept the tokens with that secret alone', async () => {
    const simple = await simpleToken(s.app, 'lancelot');
    const aegis = (await aegisLogin(s.app, 'lancelot')).access_token;
    const users = (await login(s.app, 'lancelot')).access_token;
    for (const t of [simple, aegis, users]) expect(decodeProtectedHeader(t).alg).toBe('HS256');
    expect(await pyjwtDecode(simple, keyOf(SECRETS.simple), { algorithms: ['HS256'] })).toMatchObject({ user: 'lancelot', token_type: 'access_token' });
    expect(await pyjwtDecode(aegis, keyOf(SECRETS.aegis), { algorithms: ['HS256'] })).toMatchObject({ permissions: ['me'] });
    expect(await pyjwtDecode(users, keyOf(SECRETS.users), { algorithms: ['HS256'], audience: ['fastapi-users:auth'] })).toHaveProperty('sub');
    // One face's secret does not verify another's tokens.
    await expect(pyjwtDecode(simple, keyOf(SECRETS.aegis), { algorithms: ['HS256'] })).rejects.toThrow();
    // oauth2 has no secret: the server key.
    const oauth = (await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'lancelot', password: PASS } })).json().access_token as string;
    expect(decodeProtectedHeader(oauth).alg).toBe('EdDSA');
    for (const token of [simple, aegis, users, oauth]) {
      for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode, `${claimsOf(token).aud} on ${face}`).toBe(200);
    }
  });

  it('GET /pubkey is 404 when the simple face signs with a secret', async () => {
    const res = await s.app.inject({ url: '/pubkey' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: expect.any(String) });
  });

  it('a face secret vouches only for its own profile: a token of another profile signed with it is refused', async () => {
    const simple = await simpleToken(s.app, 'lancelot');
    const aegis = (await aegisLogin(s.app, 'lancelot')).access_token;
    const users = (await login(s.app, 'lancelot')).access_token;
    const resign = (token: string, secret: string, kidOf: string, claims: Record<string, unknown> = claimsOf(token)) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: decodeProtectedHeader(kidOf).kid! }).sign(keyOf(secret));
    const forged = [
      // Someone holding the aegis secret minting a users-face token (with an admin scope for good measure).
      await resign(users, SECRETS.aegis, aegis, { ...claimsOf(users), scope: 'me admin' }),
      await resign(simple, SECRETS.aegis, aegis),
      await resign(aegis, SECRETS.simple, simple),
      await resign(users, SECRETS.simple, simple),
      // An oauth2 token re-signed with a face secret.
      await new SignJWT({ ...claimsOf(aegis), aud: 'tessera' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: decodeProtectedHeader(aegis).kid! }).sign(keyOf(SECRETS.aegis)),
      // The right secret under another face's kid.
      await resign(simple, SECRETS.simple, aegis),
      // A simple-profile token with an aud added, correctly signed.
      await resign(simple, SECRETS.simple, simple, { ...claimsOf(simple), aud: 'tessera' }),
    ];
    for (const token of forged) {
      for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode, face).toBe(refusedStatus(face));
    }
    // Controls: the same re-signing with nothing wrong is accepted.
    for (const token of [await resign(simple, SECRETS.simple, simple), await resign(aegis, SECRETS.aegis, aegis), await resign(users, SECRETS.users, users)]) {
      expect((await s.app.inject({ url: '/users/me', headers: bearer(token) })).statusCode).toBe(200);
    }
  });

  it('a secret shorter than 32 characters stops the start naming the variable', async () => {
    for (const env of ['TESSERA_USERS_JWT_SECRET', 'TESSERA_SIMPLE_JWT_SECRET', 'TESSERA_AEGIS_JWT_SECRET']) {
      expect(() => loadConfig({ [env]: 'x'.repeat(31) })).toThrow(new RegExp(`^${env}: `));
    }
  });
});
