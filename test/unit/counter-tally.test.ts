import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCounterTally } from '../../src/metrics/counter-tally.js';

const scrape = async (...metrics: { metric: unknown }[]) => {
  const registry = new Registry();
  for (const m of metrics) registry.registerMetric(m.metric as never);
  return registry.metrics();
};

describe('counters kept as plain numbers', () => {
  it('read by a prom-client registry as its own counters would be', async () => {
    const revoked = createCounterTally('t_revoked_total', 'Revoked.');
    const logins = createCounterTally('t_logins_total', 'Logins.', ['face', 'outcome'] as const);
    const success = logins.labels({ face: 'users', outcome: 'success' });
    // A counter without labels reads 0 from the start; a label set only from its first increment.
    expect(await scrape(revoked, logins)).toBe('# HELP t_revoked_total Revoked.\n# TYPE t_revoked_total counter\nt_revoked_total 0\n\n'
      + '# HELP t_logins_total Logins.\n# TYPE t_logins_total counter\n');
    revoked.inc();
    success.inc();
    success.inc();
    logins.inc({ face: 'oauth2', outcome: 'invalid_credentials' });
    logins.inc({ face: 'users', outcome: 'success' }, 3);
    const text = await scrape(revoked, logins);
    expect(text).toContain('t_revoked_total 1\n');
    expect(text).toContain('t_logins_total{face="users",outcome="success"} 5\n');
    expect(text).toContain('t_logins_total{face="oauth2",outcome="invalid_credentials"} 1\n');
  });
});
