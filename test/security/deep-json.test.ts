import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { MAX_JSON_DEPTH } from '../../src/http/json-depth.js';
import { PASSWORD, uniqueEmail } from './support/faces.js';

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"user":'.repeat(n) + '"x"' + '}'.repeat(n);
const json = { 'content-type': 'application/json' };

/**
 * Deeply nested JSON is refused as malformed before anything recurses over
 * it (a JSON.parse reviver overflowed the stack on simple's GET bodies: a 500).
 */
describe.each(DIALECTS)('deeply nested JSON (%s)', (dialect) => {
  let s: TestServer;
  let routes: [string, string][];
  beforeAll(async () => {
    s = await startServer(dialect);
    const paths = (s.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    routes = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x')] as [string, string]));
  });
  afterAll(async () => s?.close());

  it.each(['/token', '/check', '/user', '/refresh_token', '/version'])('simple GET %s with a 4000-deep body: 400 {"message"}', async (url) => {
    for (const payload of [deepArray(4000), deepObject(4000)]) {
      const res = await s.app.inject({ method: 'GET', url, headers: json, payload });
      expect(res.statusCode).toBe(400);
      expect(Object.keys(res.json())).toEqual(['message']);
    }
  });

  it('every route of every face answers a 4xx, never a 5xx, to 4000-deep and just-too-deep bodies', async () => {
    const { access_token: token } = (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: await registered(), password: PASSWORD } })).json() as { access_token: string };
    for (const [method, url] of routes) {
      for (const payload of [deepArray(4000), deepObject(4000), deepObject(MAX_JSON_DEPTH + 1)]) {
        for (const headers of [json, { ...json, authorization: `Bearer ${token}` }]) {
          const res = await s.app.inject({ method: method as 'GET', url, headers, payload });
          expect(res.statusCode, `${method} ${url}`).toBeLessThan(500);
        }
      }
    }
  });

  it('a body within the depth limit is parsed as before', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/token', headers: json, payload: JSON.stringify({ user: 'nobody@camelot.bt', pass: 'wrong password!', extra: [[[{ a: [1] }]]] }) });
    expect(res.statusCode).toBe(404);
  });

  it('brackets inside strings (and escaped quotes) are text, not depth', async () => {
    const password = `${'['.repeat(40)}\\"{${'{'.repeat(40)}`;
    const email = uniqueEmail('brackets');
    await s.container.users.create({ email, password });
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', headers: json, payload: JSON.stringify({ username: email, password }) });
    expect(res.statusCode).toBe(200);
  });

  async function registered() {
    const email = uniqueEmail('deep');
    await s.container.users.create({ email, password: PASSWORD });
    return email;
  }
});
