import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Container } from '../../src/container.js';
import { installRateLimits } from '../../src/http/plugins/rate-limit.js';
import { memoryCounters } from '../../src/store/rate-counters.js';

const containerWith = (rateLimits: boolean) => ({ config: { rateLimits }, rateCounters: memoryCounters() }) as unknown as Container;

describe('rate-limit declarations', () => {
  it.each([true, false])('a route whose policy limits per account must name its account (limits on: %s)', async (on) => {
    const app = Fastify();
    await installRateLimits(app, containerWith(on));
    expect(() => app.post('/new-login', { config: { limit: 'login' } }, async () => 'ok'))
      .toThrow(/POST \/new-login: rate-limit policy 'login' needs the account the route acts on/);
    expect(() => app.post('/cb', { config: { limit: 'callback' } }, async () => 'ok')).not.toThrow();
    await app.close();
  });
});
