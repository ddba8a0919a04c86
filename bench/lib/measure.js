// One autocannon run against a server, bracketed by CPU accounting.
import autocannon from 'autocannon';
import { cpuWindow } from './proc.js';

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * A warm-up run (discarded: JIT, connection set-up, caches), then the
 * measured run. Autocannon runs in this process, on the same two cores, for
 * the baseline and for Tessera alike.
 */
export async function measure(base, request, { pid, connections, duration, warmup }) {
  const opts = { url: base, connections, pipelining: 1, timeout: 10, ...request };
  if (warmup > 0) await cannon({ ...opts, duration: warmup });
  const cpu = cpuWindow(pid);
  const r = await cannon({ ...opts, duration });
  const usage = cpu.end();
  return {
    rps: r.requests.total / r.duration,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    cpu: usage,
  };
}
