import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASSWORD, jwtLogin, sb } from '../../support/users-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(DIALECTS)('POST /auth/register (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  const register = (payload: unknown) => s.app.inject({ method: 'POST', url: '/auth/register', payload: payload as object });

  it('creates a user: 201 and UserRead', async () => {
    const res = await register({ email: 'king.arthur@camelot.bt', password: PASSWORD });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.id).toMatch(UUID);
    expect(body).toEqual({ id: body.id, email: 'king.arthur@camelot.bt', username: null, is_active: true, is_superuser: false, is_verified: false, scopes: [] });
    expect((await jwtLogin(s, 'king.arthur@camelot.bt')).token_type).toBe('bearer');
  });

  it('takes an optional username, and the user can log in with it', async () => {
    const res = await register({ email: 'bedivere@camelot.bt', password: PASSWORD, username: 'Bedivere' });
    expect(res.statusCode).toBe(201);
    expect(res.json().username).toBe('Bedivere');
    expect((await jwtLogin(s, 'bedivere')).token_type).toBe('bearer');
  });

  it('ignores is_active, is_superuser, is_verified and scopes in the body', async () => {
    const res = await register({ email: 'mordred@camelot.bt', password: PASSWORD, is_active: false, is_superuser: true, is_verified: true, scopes: ['admin', 'root'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ is_active: true, is_superuser: false, is_verified: false, scopes: [] });
    const stored = await s.container.repos.users.findByEmail('mordred@camelot.bt');
    expect(stored).toMatchObject({ isActive: true, isSuperuser: false, isVerified: false, scopes: [] });
    const t = await jwtLogin(s, 'mordred@camelot.bt');
    expect((await s.app.inject({ url: '/users', headers: { authorization: `Bearer ${t.access_token}` } })).statusCode).toBe(403);
  });

  it('refuses an email already used, in any letter case', async () => {
    await register({ email: 'lancelot@camelot.bt', password: PASSWORD });
    for (const email of ['lancelot@camelot.bt', 'LANCELOT@Camelot.BT']) {
      expect(sb(await register({ email, password: PASSWORD }))).toEqual({ status: 400, body: { detail: 'REGISTER_USER_ALREADY_EXISTS' } });
    }
  });

  it('refuses a username already used, in any letter case', async () => {
    await register({ email: 'gawain@camelot.bt', password: PASSWORD, username: 'gawain' });
    expect(sb(await register({ email: 'gawain2@camelot.bt', password: PASSWORD, username: 'GAWAIN' })))
      .toEqual({ status: 400, body: { detail: 'REGISTER_USER_ALREADY_EXISTS' } });
    expect(await s.container.repos.users.findByEmail('gawain2@camelot.bt')).toBeUndefined();
  });

  it('of simultaneous registrations of one email (any case), exactly one succeeds', async () => {
    const emails = Array.from({ length: 8 }, (_, i) => (i % 2 ? 'Race@Camelot.bt' : 'race@camelot.bt'));
    const results = await Promise.all(emails.map((email) => register({ email, password: PASSWORD })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expect(sb(r)).toEqual({ status: 400, body: { detail: 'REGISTER_USER_ALREADY_EXISTS' } });
  });

  it('refuses a too short or too long password with a reason, and creates nothing', async () => {
    expect(sb(await register({ email: 'kay@camelot.bt', password: 'short' }))).toEqual({
      status: 400, body: { detail: { code: 'REGISTER_INVALID_PASSWORD', reason: 'Password should be at least 8 characters' } },
    });
    expect(sb(await register({ email: 'kay@camelot.bt', password: 'x'.repeat(257) }))).toEqual({
      status: 400, body: { detail: { code: 'REGISTER_INVALID_PASSWORD', reason: 'Password should be at most 256 characters' } },
    });
    expect(await s.container.repos.users.findByEmail('kay@camelot.bt')).toBeUndefined();
  });

  it('refuses a password equal to the email or the username, whatever the case', async () => {
    const reason = 'Password should not be the same as your email or username';
    expect(sb(await register({ email: 'tristan@camelot.bt', password: 'Tristan@Camelot.bt' }))).toEqual({
      status: 400, body: { detail: { code: 'REGISTER_INVALID_PASSWORD', reason } },
    });
    expect(sb(await register({ email: 'isolde@camelot.bt', password: 'isolde-the-fair', username: 'Isolde-The-Fair' }))).toEqual({
      status: 400, body: { detail: { code: 'REGISTER_INVALID_PASSWORD', reason } },
    });
  });

  it('answers 422 for a bad email, missing fields or wrong types', async () => {
    expect(sb(await register({ email: 'not-an-email', password: PASSWORD }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Value is not valid', type: 'value_error' }] },
    });
    expect(sb(await register({ password: PASSWORD }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }] },
    });
    expect(sb(await register({ email: 'x@camelot.bt' }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] },
    });
    expect(sb(await register({ email: 123, password: PASSWORD }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Input should be a valid string', type: 'type_error' }] },
    });
    const badName = await register({ email: 'y@camelot.bt', password: PASSWORD, username: 'has space' });
    expect(badName.statusCode).toBe(422);
    expect(badName.json().detail[0].loc).toEqual(['body', 'username']);
  });
});
