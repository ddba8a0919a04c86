import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, qs } from '../../support/faces-client.js';
import { PASSWORD, auth, coreUser, jwtLogin, sb, superuser } from '../../support/users-fixtures.js';

/** Control, format and invisible characters: none may hide in a username. */
const INVISIBLE = {
  'zero-width space': 'king\u200barthur',
  'right-to-left override': 'king\u202earthur',
  'left-to-right isolate': 'king\u2066arthur',
  'zero-width joiner': 'king\u200darthur',
  'soft hyphen': 'king\u00adarthur',
  'bell (Cc)': 'king\u0007arthur',
  'Hangul filler': 'king\u3164arthur',
  'variation selector': 'king\ufe0farthur',
  'word joiner': 'king\u2060arthur',
  'private use': 'king\ue000arthur',
};
const REGISTER_EXISTS = { status: 400, body: { detail: 'REGISTER_USER_ALREADY_EXISTS' } };
const UPDATE_EXISTS = { status: 400, body: { detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' } };

describe.each(DIALECTS)('usernames: PRECIS and confusables on every path (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = (await superuser(s)).token;
    await coreUser(s, 'arthur@camelot.bt', { username: 'Arthur' });
    await coreUser(s, 'paypal@camelot.bt', { username: 'paypal' });
  });
  afterAll(async () => { await s.close(); });

  let n = 0;
  const email = () => `u${++n}@camelot.bt`;
  const register = (username: string) => s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: email(), password: PASSWORD, username } });
  const adminCreate = (username: string) => s.app.inject({ method: 'POST', url: '/users', headers: auth(admin), payload: { email: email(), password: PASSWORD, username } });
  const simpleCreate = (user: string) => s.app.inject({ method: 'POST', url: `/user?${qs({ user, pass: PASS })}` });
  const refusedField = (res: { statusCode: number; json(): unknown }) => {
    expect(res.statusCode).toBe(422);
    expect((res.json() as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(['body', 'username']);
  };

  it.each(Object.entries(INVISIBLE))('refuses a %s on register, admin create and simple POST /user', async (_label, name) => {
    refusedField(await register(name));
    refusedField(await adminCreate(name));
    const simple = await simpleCreate(name);
    expect(simple.statusCode).toBe(400);
    expect(simple.json().message).toMatch(/^Invalid user: /);
  });

  it('refuses non-ASCII symbols and compatibility characters, accepts letters of any script', async () => {
    for (const name of ['arthur\u2122', 'crown\u{1f451}', '\ufb01sh', 'x\u00b2']) refusedField(await register(name));
    for (const name of ['Ælfred', 'Мерлин', 'アーサー', 'Óscar-o.k_1']) expect((await register(name)).statusCode, name).toBe(201);
  });

  it('maps fullwidth to ASCII (width mapping) and keeps the case as typed', async () => {
    const res = await register('Ｇａｌａｈａｄ');
    expect(res.statusCode).toBe(201);
    expect(res.json().username).toBe('Galahad');
    expect(sb(await register('GALAHAD'))).toEqual(REGISTER_EXISTS);
  });

  it('refuses a username confusable with an existing one, on every path', async () => {
    const lookalikes = ['\u0410rthur', 'Arthu\u0433', 'p\u0430yp\u0430l', '\u0440aypal', 'paypa1', 'paypaI', 'PAYPAL'];
    for (const name of lookalikes) {
      expect(sb(await register(name)), name).toEqual(REGISTER_EXISTS);
      expect(sb(await adminCreate(name)), name).toEqual(REGISTER_EXISTS);
      expect((await simpleCreate(name)).statusCode, name).toBe(403);
    }
    // "rn" looks like "m" (UTS #39): once "merlin" exists, "rnerlin" cannot join it.
    expect((await register('merlin')).statusCode).toBe(201);
    expect(sb(await register('rnerlin'))).toEqual(REGISTER_EXISTS);
  });

  it('PATCH /users/me and PATCH /users/{id} apply the same rules', async () => {
    const u = await coreUser(s, 'kay@camelot.bt');
    const { access_token } = await jwtLogin(s, 'kay@camelot.bt');
    const me = (username: string) => s.app.inject({ method: 'PATCH', url: '/users/me', headers: auth(access_token), payload: { username } });
    const byAdmin = (username: string) => s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, headers: auth(admin), payload: { username } });
    refusedField(await me('sir\u200bkay'));
    refusedField(await byAdmin('sir\u202ekay'));
    expect(sb(await me('\u0410rthur'))).toEqual(UPDATE_EXISTS);
    expect(sb(await byAdmin('\u0410rthur'))).toEqual(UPDATE_EXISTS);
    expect((await me('Ｓｉｒ-Ｋａｙ')).json().username).toBe('Sir-Kay');
    // Its own name, written with a lookalike, is still its own: no conflict with itself.
    expect((await byAdmin('Sir-K\u0430y')).statusCode).toBe(200);
  });
});
