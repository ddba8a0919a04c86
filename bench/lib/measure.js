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
 * is that many requests instead of a duration, timed here from the start to
 * the last response (autocannon itself only notices the end at its next
 * one-second tick).
 */
export async function measure(base, request, { pid, connections, duration, warmup, amount, warmupAmount }) {
  const opts = { url: base, connections, pipelining: 1, timeout: 10, ...request };
  if (amount ? warmupAmount > 0 : warmup > 0) await cannon({ ...opts, ...(amount ? { amount: warmupAmount } : { duration: warmup }) });
  let answered = 0;
  let last;
  let usage;
  let cpu;
  const timed = (req) => ({
    ...req,
    onResponse(...args) {
      if (++answered === amount) { last = performance.now(); usage = cpu.end(); }
      return req.onResponse?.(...args);
    },
  });
  const measured = amount ? { ...opts, amount, requests: opts.requests.map(timed) } : { ...opts, duration };
  cpu = cpuWindow(pid);
  const t0 = performance.now();
  const r = await cannon(measured);
  const seconds = amount ? ((last ?? performance.now()) - t0) / 1000 : r.duration;
  usage ??= cpu.end();
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
