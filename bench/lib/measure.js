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
 * the baseline and for Tessera alike. With `amount` (and `warmupAmount`) a run
 * is that many requests instead of a duration, timed here (autocannon rounds
 * its own duration to 10 ms).
 */
export async function measure(base, request, { pid, connections, duration, warmup, amount, warmupAmount }) {
  const opts = { url: base, connections, pipelining: 1, timeout: 10, ...request };
  if (amount ? warmupAmount > 0 : warmup > 0) await cannon({ ...opts, ...(amount ? { amount: warmupAmount } : { duration: warmup }) });
  const cpu = cpuWindow(pid);
  const t0 = performance.now();
  const r = await cannon({ ...opts, ...(amount ? { amount } : { duration }) });
  const seconds = amount ? (performance.now() - t0) / 1000 : r.duration;
  const usage = cpu.end();
  return {
    rps: r.requests.total / seconds,
    seconds,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    cpu: usage,
  };
}
