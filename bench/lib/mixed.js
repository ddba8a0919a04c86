// BENCH_MIXED=1: one server on PostgreSQL with Redis (the scale path's set-up) under a mix of the
// scenarios at once for BENCH_MIXED_DURATION seconds (default 120): autocannon instances side by side,
// one per kind, each with its share of the connections. Reports req/s per kind and the server's
// peak RSS (VmHWM over its whole life) against the 150 MB limit.
import { measure } from './measure.js';
import { SCENARIOS } from './scenarios.js';
import { startTessera } from './tessera.js';

/** Kinds and their connections: reads dominate, as in production; one login and one register keep both hashing threads busy. */
const MIX = [['me', 4], ['introspect', 2], ['refresh', 2], ['login', 1], ['register', 1]];

export async function runMixed({ params, pgUrl, serverEnv, log }) {
  const seconds = Number(process.env.BENCH_MIXED_DURATION ?? 120);
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const server = await startTessera({ dialect: 'postgres', pgUrl, env: { ...serverEnv, TESSERA_REDIS_URL: redisUrl } });
  try {
    log(`mixed: ${MIX.map(([n, c]) => `${n}×${c}`).join(' ')} for ${seconds} s on PostgreSQL + Redis — ready in ${server.readyMs.toFixed(0)} ms`);
    const preps = [];
    for (const [name, connections] of MIX) {
      const prep = await SCENARIOS[name].prepare(server.base, { ...params, connections });
      if (prep.skip) throw new Error(`mixed: ${name} skipped: ${prep.skip}`);
      await prep.beforeRun?.();
      preps.push({ name, connections, prep });
    }
    const results = await Promise.all(preps.map(({ prep, connections }) =>
      measure(server.base, prep.tessera, { pid: server.pid, connections, duration: seconds, warmup: 0 })));
    const kinds = preps.map(({ name, connections }, i) => ({
      name, connections, rps: results[i].rps, failed: results[i].non2xx + results[i].errors, statuses: results[i].statuses,
    }));
    for (const k of kinds) log(`  ${k.name}: ${k.rps.toFixed(0)} req/s, statuses ${JSON.stringify(k.statuses)}`);
    const peakRssMb = server.peakRssMb();
    log(`  peak RSS ${peakRssMb.toFixed(1)} MB`);
    return { seconds, database: 'PostgreSQL + Redis', kinds, totalRps: kinds.reduce((n, k) => n + k.rps, 0), peakRssMb };
  } finally {
    await server.stop();
  }
}
