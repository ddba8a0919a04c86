import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/http/logger.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(DIALECTS)('X-Request-Id (%s)', (dialect) => {
  let s: TestServer;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const dest = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
    s = await startServer(dialect, { TESSERA_LOG_LEVEL: 'info' }, { logger: createLogger('info', dest) });
  });
  afterAll(async () => s?.close());

  it('echoes a well-formed id and binds it to every log line of the request', async () => {
    const id = 'edge-7f3a:req/42~ok';
    const res = await s.app.inject({ url: '/users/me', headers: { 'x-request-id': id } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe(id);
    const mine = lines.filter((l) => l.reqId === id);
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it('accepts 1 and 128 visible characters', async () => {
    for (const id of ['x', '!'.repeat(128)]) {
      expect((await s.app.inject({ url: '/healthz', headers: { 'x-request-id': id } })).headers['x-request-id']).toBe(id);
    }
  });

  it('replaces a missing, empty, too long or non-visible id with a new UUID', async () => {
    const ids = new Set<string>();
    for (const given of [undefined, '', 'a'.repeat(129), 'has space', 'tab\there', 'caf\u00e9']) {
      const res = await s.app.inject({ url: '/nowhere', headers: given === undefined ? {} : { 'x-request-id': given } });
      expect(res.statusCode).toBe(404);
      const echoed = String(res.headers['x-request-id']);
      expect(echoed).toMatch(UUID);
      ids.add(echoed);
    }
    expect(ids.size).toBe(6);
  });
});
