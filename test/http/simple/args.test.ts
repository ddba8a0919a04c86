import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf, formBody, PASS, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';

describe.each(DIALECTS)('simple face: argument and token sources (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
    await simpleSignup(s.app, 'lancelot');
  });
  afterAll(async () => { await s.close(); });

  it('takes the token as Bearer, as a bare Authorization header, or as access_token in the query', async () => {
    const token = await simpleToken(s.app, 'lancelot');
    for (const req of [
      { url: '/check', headers: { authorization: `Bearer ${token}` } },
      { url: '/check', headers: { authorization: `bearer   ${token}` } },
      { url: '/check', headers: { authorization: token } },
      { url: `/check?${qs({ access_token: token })}` },
    ]) {
      const res = await s.app.inject(req);
      expect(res.statusCode).toBe(200);
      expect(res.json().sub).toBe(claimsOf(token).sub);
    }
  });

  it('takes access_token as a form field or JSON field of the body', async () => {
    const { access, refresh } = await simpleSession(s.app, 'lancelot');
    const form = await s.app.inject({ method: 'DELETE', url: '/refresh_token', ...formBody({ access_token: access, refresh_token: refresh }) });
    expect(form.statusCode).toBe(204);
    expect((await s.app.inject({ url: `/token?${qs({ user: refresh })}` })).statusCode).toBe(400);
    const second = await simpleSession(s.app, 'lancelot');
    const json = await s.app.inject({ method: 'PATCH', url: '/user', payload: { access_token: second.access, pass: 'lancelot du lac 2' } });
    expect(json.statusCode).toBe(200);
    expect(claimsOf(await simpleToken(s.app, 'lancelot', 'lancelot du lac 2')).fresh).toBe(true);
    await s.app.inject({ method: 'PATCH', url: '/user', payload: { access_token: await simpleToken(s.app, 'lancelot', 'lancelot du lac 2'), pass: PASS } });
  });

  it('reads the arguments of a GET from a JSON or form body too', async () => {
    const json = await s.app.inject({ method: 'GET', url: '/token', payload: { user: 'lancelot', pass: PASS } });
    expect(json.statusCode).toBe(200);
    expect(claimsOf(json.body).fresh).toBe(true);
    const form = await s.app.inject({ method: 'GET', url: '/token', ...formBody({ user: 'lancelot', pass: PASS }) });
    expect(form.statusCode).toBe(200);
    const check = await s.app.inject({ method: 'GET', url: '/check', ...formBody({ access_token: form.body }) });
    expect(check.statusCode).toBe(200);
    // The body wins over the query string.
    const both = await s.app.inject({ method: 'GET', url: `/token?${qs({ user: 'lancelot', pass: 'wrong one!' })}`, payload: { pass: PASS } });
    expect(both.statusCode).toBe(200);
  });

  it('refuses a malformed, poisoned or oversized GET body with a 4xx in the face format', async () => {
    const bad = await s.app.inject({ method: 'GET', url: '/token', headers: { 'content-type': 'application/json' }, payload: '{"user": "lan' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ message: 'Malformed request body' });
    const proto = await s.app.inject({ method: 'GET', url: '/token', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"x": 1}, "user": "lancelot"}' });
    expect(proto.statusCode).toBe(400);
    const big = await s.app.inject({ method: 'GET', url: '/token', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ user: 'x'.repeat(70 * 1024) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ message: 'Request Entity Too Large' });
    const typed = await s.app.inject({ method: 'GET', url: '/token', payload: { user: ['lancelot'], pass: PASS } });
    expect(typed.statusCode).toBe(400);
    expect(typed.json()).toEqual({ message: 'Invalid argument: user' });
    for (const payload of [{ user: 'lance\u0000lot', pass: PASS }, { user: 'lancelot', pass: 'correct\u0000horse' }]) {
      const nul = await s.app.inject({ method: 'GET', url: '/token', payload });
      expect(nul.statusCode).toBe(400);
      expect(nul.json().message).toMatch(/^Invalid argument: (user|pass)$/);
    }
    const nulQuery = await s.app.inject({ method: 'POST', url: '/user?user=a%00b&pass=correct+horse' });
    expect(nulQuery.statusCode).toBe(400);
    expect(nulQuery.json()).toEqual({ message: 'Invalid argument: user' });
  });

  it('answers errors as JSON {"message"} and never 500 on odd input', async () => {
    const huge = await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'galahad', pass: 'p'.repeat(5000) } });
    expect(huge.statusCode).toBe(400);
    expect(huge.headers['content-type']).toMatch(/^application\/json/);
    expect(huge.json()).toEqual({ message: 'Invalid argument: pass' });
    const tooLong = await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'galahad', pass: 'p'.repeat(300) } });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toEqual({ message: 'Password should be at most 256 characters' });
    const textBody = await s.app.inject({ method: 'POST', url: '/user', headers: { 'content-type': 'text/plain' }, payload: 'user=galahad' });
    expect(textBody.statusCode).toBe(400);
    expect(textBody.json()).toEqual({ message: 'Malformed request body' });
    const xml = await s.app.inject({ method: 'POST', url: '/user', headers: { 'content-type': 'application/xml' }, payload: '<user/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual({ message: 'Unsupported Media Type' });
  });
});
