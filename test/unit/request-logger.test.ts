import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyRequestLogger } from '../../src/http/logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { logger: createLogger(level, dest), lines };
}

describe('lazy request logger', () => {
  it('writes what the parent level lets through, bound to the request id, and nothing below it', () => {
    const { logger, lines } = capture('warn');
    const log = lazyRequestLogger(logger, { reqId: 'req-7' }, {});
    log.info('incoming request');
    log.debug('detail');
    expect(lines).toEqual([]);
    log.warn({ token: 'secret-token' }, 'odd request');
    log.error('failed');
    expect(lines.map((l) => [l.level, l.reqId, l.msg, l.token])).toEqual([[40, 'req-7', 'odd request', '[redacted]'], [50, 'req-7', 'failed', undefined]]);
  });

  it('keeps the level the options give, and its children carry both bindings', () => {
    const { logger, lines } = capture('info');
    const log = lazyRequestLogger(logger, { reqId: 'req-8' }, { level: 'error' });
    expect(log.level).toBe('error');
    log.child({ route: 'x' }).error('boom');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: 'req-8', route: 'x', msg: 'boom' });
    expect(logger.level).toBe('info');
  });
});
