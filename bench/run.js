// `npm run bench`: every scenario against a real Tessera process and, in the same run, against a bare
// node:http server answering a JSON body of the same size. See docs/benchmarks.md.
//
//   BENCH_DURATION (s, default 5)   BENCH_WARMUP (s, default 1)   BENCH_CONNECTIONS (default 10)
//   BENCH_ROUNDS (default 3: baseline and Tessera measured alternately, medians reported)
//   BENCH_SCENARIOS=me,login (none: no scenario)   TESSERA_BENCH_PG=1 (also PostgreSQL; TESSERA_BENCH_PG_URL)
//   BENCH_MFA_VERIFIES (default 400)   BENCH_WEBHOOK_EVENTS (default 1000)
//   BENCH_PEERS=1 (also Better Auth)   BENCH_MIXED=1 (a mixed load on PostgreSQL + Redis; BENCH_MIXED_DURATION, BENCH_REDIS_URL)
//   --write                         put the results into docs/benchmarks.md
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ConfigSchema } from '../dist/config/schema.js';
import { defaultHashingLimits } from '../dist/core/hashing-queue.js';
import { comparisonLines, consoleTable, goalLines, markdown, mixedLines } from './lib/report.js';
import { measure } from './lib/measure.js';
import { runMixed } from './lib/mixed.js';
import { SCENARIOS } from './lib/scenarios.js';
import { ROOT, serverEntry, serverNodeFlags, startBare, startTessera } from './lib/tessera.js';

const env = process.env;
const params = {
  duration: Number(env.BENCH_DURATION ?? 5),
  warmup: Number(env.BENCH_WARMUP ?? 1),
  connections: Number(env.BENCH_CONNECTIONS ?? 10),
  rounds: Math.max(1, Number(env.BENCH_ROUNDS ?? 3)),
  mfaVerifies: Number(env.BENCH_MFA_VERIFIES ?? 400),
  webhookEvents: Number(env.BENCH_WEBHOOK_EVENTS ?? 1000),
  // The production defaults, read from the config schema itself, passed explicitly to the server.
  argon2: {
    memoryCost: ConfigSchema.properties.argon2MemoryKib.default,
    timeCost: ConfigSchema.properties.argon2Iterations.default,
    parallelism: ConfigSchema.properties.argon2Parallelism.default,
  },
  hashing: defaultHashingLimits(),
  server: ['node', ...serverNodeFlags(), serverEntry()].join(' '),
};
const dialects = ['sqlite', ...(env.TESSERA_BENCH_PG === '1' ? ['postgres'] : [])];
const pgUrl = env.TESSERA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const peers = env.BENCH_PEERS === '1';
// Peer scenarios (Better Auth) run only with BENCH_PEERS=1, or when named.
const byDefault = Object.keys(SCENARIOS).filter((n) => peers || !SCENARIOS[n].peer);
const names = (env.BENCH_SCENARIOS ?? byDefault.join(',')).split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
const serverEnv = {
  TESSERA_ARGON2_MEMORY_KIB: String(params.argon2.memoryCost),
  TESSERA_ARGON2_ITERATIONS: String(params.argon2.timeCost),
  TESSERA_ARGON2_PARALLELISM: String(params.argon2.parallelism),
};

/** Raw argon2id verifications per second in a bare process: same parameters, same concurrency as the server. */
function rawArgon2(seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/lib/argon2-rate.js'),
      JSON.stringify({ ...params.argon2, concurrency: params.hashing.concurrency, seconds })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`argon2-rate exited ${code}`))));
  });
}

const log = (msg) => process.stderr.write(`${msg}\n`);
/** The run with the median throughput (the lower middle one for an even count). */
const median = (results) => [...results].sort((a, b) => a.rps - b.rps)[(results.length - 1) >> 1];
const sum = (results, key) => results.reduce((n, r) => n + r[key], 0);
const mergeStatuses = (results) => {
  const out = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) out[k] = (out[k] ?? 0) + v;
  return out;
};

/** A scenario's server: Tessera on `dialect` with the scenario's extra environment, or its own (a peer). */
function startServer(dialect, scenario) {
  return scenario.start ? scenario.start() : startTessera({ dialect, pgUrl, env: { ...serverEnv, ...scenario.env } });
}

async function runScenario(dialect, name) {
  const scenario = SCENARIOS[name];
  const server = await startServer(dialect, scenario);
  try {
    log(`${dialect} ${name}: ${scenario.title} — ready in ${server.readyMs.toFixed(0)} ms`);
    if (scenario.custom) {
      const result = await scenario.run(server.base, params);
      if (result.skip) return { dialect, scenario: name, skip: result.skip };
      return { dialect, scenario: name, custom: result, peakRssMb: server.peakRssMb(), readyMs: server.readyMs, peer: scenario.peer };
    }
    const prep = await scenario.prepare(server.base, params);
    if (prep.skip) {
      log(`  SKIPPED: ${prep.skip}`);
      return { dialect, scenario: name, skip: prep.skip };
    }
    try {
      return { ...await measureScenario(scenario, server, prep), dialect, scenario: name, peer: scenario.peer };
    } finally {
      await prep.cleanup?.();
    }
  } finally {
    await server.stop();
  }
}

async function measureScenario(scenario, server, prep) {
  const connections = scenario.connections ?? params.connections;
  const run = { connections, duration: params.duration, warmup: params.warmup };
  // Rounds alternate the baseline and Tessera (and, for login, the raw argon2id rate before and
  // after each login run): the shared machine drifts, and a figure compared with one taken at
  // another moment would mostly measure the neighbours. Medians are reported, every round shown.
  const bare = await startBare(prep.bytes);
  const bares = [];
  const runs = [];
  const raws = [];
  try {
    for (let round = 0; round < params.rounds; round++) {
      bares.push(await measure(bare.base, prep.bare, { ...run, pid: bare.pid }));
      if (scenario.hashes) raws.push((await rawArgon2(params.duration / 2)).rate);
      await prep.beforeRun?.();
      // prep.run: a fixed number of requests instead of a duration (mfa-verify); the baseline keeps the duration.
      runs.push(await measure(server.base, prep.tessera, { ...run, ...prep.run, pid: server.pid }));
      log(`  round ${round + 1}: bare node:http (${prep.bytes} B body) ${bares.at(-1).rps.toFixed(0)} req/s, server ${runs.at(-1).rps.toFixed(0)} req/s`
        + `${prep.run?.amount ? ` (${runs.at(-1).total} requests in ${runs.at(-1).seconds.toFixed(2)} s)` : ''}`);
    }
    if (scenario.hashes) raws.push((await rawArgon2(params.duration / 2)).rate);
  } finally {
    await bare.stop();
  }
  const tessera = { ...median(runs), non2xx: sum(runs, 'non2xx'), errors: sum(runs, 'errors'), statuses: mergeStatuses(runs) };
  const bareResult = median(bares);
  const raw = raws.length > 0 ? { rate: raws.reduce((a, b) => a + b, 0) / raws.length, all: raws } : undefined;
  if (raw) log(`  raw argon2id, ${params.hashing.concurrency} at once, around the login runs: ${raws.map((r) => r.toFixed(1)).join(', ')} verifications/s`);
  const peakRssMb = server.peakRssMb();
  log(`  server: median ${tessera.rps.toFixed(0)} req/s, statuses ${JSON.stringify(tessera.statuses)}, errors ${tessera.errors}, peak RSS ${peakRssMb.toFixed(1)} MB`);
  if (prep.stats?.exhausted) log(`  refresh-token pool ran dry ${prep.stats.exhausted} times (counted as non-2xx)`);
  const note = prep.note?.();
  if (note) log(`  ${note}`);
  // Per round: Tessera ÷ the baseline of the same round (login: ÷ the raw rate around it).
  const roundRatios = runs.map((r, i) => (raw ? r.rps / ((raws[i] + raws[i + 1]) / 2) : r.rps / bares[i].rps));
  return {
    tessera, bare: bareResult, ratio: tessera.rps / bareResult.rps, bytes: prep.bytes, roundRatios, connections, note,
    raw, loginOverRaw: raw ? tessera.rps / raw.rate : undefined, peakRssMb, readyMs: server.readyMs,
  };
}

const started = new Date();
const loadBefore = loadavg();
const rows = [];
// Peers run on their own SQLite set-up: once, with the SQLite rows.
for (const dialect of dialects) for (const name of names) if (dialect === 'sqlite' || !SCENARIOS[name].peer) rows.push(await runScenario(dialect, name));
const mixed = env.BENCH_MIXED === '1' ? await runMixed({ params, pgUrl, serverEnv, log }) : undefined;
const loadAfter = loadavg();

const summary = [...goalLines(rows), ...comparisonLines(rows), ...(mixed ? mixedLines(mixed) : [])];
process.stdout.write(`\n${rows.length > 0 ? `${consoleTable(rows)}\n\n` : ''}${summary.join('\n')}\n`);

if (process.argv.includes('--write')) {
  const file = join(ROOT, 'docs/benchmarks.md');
  const shown = Object.entries(env).filter(([k]) => k.startsWith('BENCH_') || k === 'TESSERA_BENCH_PG').map(([k, v]) => `${k}=${v} `).join('');
  const block = markdown({ rows, mixed, params, started, command: `${shown}npm run bench -- --write`, loadBefore, loadAfter });
  const START = '<!-- bench:results:start -->';
  const END = '<!-- bench:results:end -->';
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const at = doc.indexOf(START);
  const end = doc.indexOf(END);
  const next = at >= 0 && end > at ? `${doc.slice(0, at + START.length)}\n${block}${doc.slice(end)}` : `${doc}\n${START}\n${block}${END}\n`;
  writeFileSync(file, next);
  log(`results written to ${file}`);
}
