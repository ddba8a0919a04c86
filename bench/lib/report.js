// Goals, the console table and the markdown written to docs/benchmarks.md.
import { cpus, totalmem, release, loadavg } from 'node:os';

export const GOALS = {
  healthz: { text: '(reference, no goal)', check: () => true },
  me: { text: '≥ 0.60 × bare, 0 non-2xx', check: (r) => r.ratio >= 0.6 && r.tessera.non2xx + r.tessera.errors === 0 },
  introspect: { text: '≥ 0.50 × bare', check: (r) => r.ratio >= 0.5 },
  refresh: { text: '≥ 1000 req/s (SQLite), ≥ 500 (PostgreSQL)', check: (r) => r.tessera.rps >= (r.dialect === 'sqlite' ? 1000 : 500) },
  login: { text: '≥ 0.90 × raw argon2id', check: (r) => r.loginOverRaw >= 0.9 },
  register: { text: '(no throughput goal)', check: () => true },
};
export const RSS_LIMIT_MB = 150;
export const READY_LIMIT_MS = 1000;

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
// autocannon's latency histogram has 1 ms resolution.
const ms = (x) => (x === 0 ? '<1' : f0(x));

/** Every goal a row is held to, each with its verdict. */
export function verdicts(r) {
  if (r.skip) return [];
  const out = [{ goal: GOALS[r.scenario].text, ok: GOALS[r.scenario].check(r) }];
  if (r.scenario !== 'me' && r.tessera.non2xx + r.tessera.errors > 0) out.push({ goal: 'no failed requests', ok: false });
  out.push({ goal: `peak RSS < ${RSS_LIMIT_MB} MB`, ok: r.peakRssMb < RSS_LIMIT_MB });
  if (r.dialect === 'sqlite') out.push({ goal: `ready < ${READY_LIMIT_MS} ms`, ok: r.readyMs < READY_LIMIT_MS });
  return out;
}

function columns(r) {
  if (r.skip) return [r.dialect, r.scenario, `skipped: ${r.skip}`];
  const t = r.tessera;
  return [
    r.dialect, r.scenario, f0(t.rps), ms(t.p50), ms(t.p99), String(t.non2xx + t.errors), f0(r.bare.rps), f2(r.ratio),
    r.raw ? `${f0(r.raw.rate)} (${f2(r.loginOverRaw)})` : '', r.roundRatios.map(f2).join(' '),
    f1(r.peakRssMb), f0(r.readyMs), `${f0(t.cpu.target)}%`, `${f0(t.cpu.driver)}%`, `${f0(t.cpu.other)}%`,
    verdicts(r).every((v) => v.ok) ? 'yes' : 'NO',
  ];
}

const HEAD = ['db', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'bare req/s', '÷ bare', 'raw argon2/s (login ÷ raw)', 'each round',
  'peak RSS MB', 'ready ms', 'server CPU', 'autocannon CPU', 'other CPU', 'goals met'];

export function consoleTable(rows) {
  const table = [HEAD, ...rows.map(columns)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  return table.map((row) => row.length < 4 ? row.join('  ') : row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function goalLines(rows) {
  return rows.flatMap((r) => (r.skip ? [`- ${r.dialect} ${r.scenario}: SKIPPED — ${r.skip}`]
    : verdicts(r).map((v) => `- ${r.dialect} ${r.scenario}: ${v.goal} — ${v.ok ? 'met' : 'MISSED'}`)));
}

export function machine() {
  const c = cpus();
  return {
    cpus: c.length, model: c[0]?.model ?? 'unknown', memGiB: totalmem() / 2 ** 30, node: process.version,
    kernel: release(), load: loadavg(),
  };
}

export function markdown({ rows, params, started, command, loadBefore, loadAfter }) {
  const m = machine();
  const lines = [
    `Run of ${started.toISOString()} — \`${command}\``,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${f1(m.memGiB)} GiB RAM, Linux ${m.kernel}, Node ${m.node}. `
      + `Load average before/after: ${loadBefore.map(f2).join(' ')} / ${loadAfter.map(f2).join(' ')}.`,
    '',
    `Server: \`${params.server}\` (the node flags of \`npm start\`), a fresh database per scenario, TESSERA_RATE_LIMITS=off, TESSERA_LOG_LEVEL=warn.`,
    '',
    `Parameters: ${params.connections} connections, pipelining 1, ${params.warmup} s warm-up + ${params.duration} s measured per run, `
      + `${params.rounds} rounds per scenario alternating baseline and Tessera (medians shown; "each round" is that round's ratio); `
      + `argon2id m=${params.argon2.memoryCost} KiB, t=${params.argon2.timeCost}, p=${params.argon2.parallelism}; `
      + `${params.hashing.concurrency} argon2 threads, each with one more job ready (queue ${params.hashing.maxQueue}).`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => {
      const c = columns(r);
      return r.skip ? `| ${c[0]} | ${c[1]} | ${c[2]} |${' |'.repeat(HEAD.length - 3)}` : `| ${c.join(' | ')} |`;
    }),
    '',
    ...goalLines(rows),
    '',
  ];
  return lines.join('\n');
}
