// Goals, the console table and the markdown written to docs/benchmarks.md.
import { cpus, totalmem, release, loadavg } from 'node:os';

const none = (text) => ({ text, check: () => true });
const meGoal = (text) => ({ text, failures: true, check: (r) => r.ratio >= 0.6 && r.tessera.non2xx + r.tessera.errors === 0 });
const loginGoal = { text: '≥ 0.90 × raw argon2id', check: (r) => r.loginOverRaw >= 0.9 };
/** `failures`: the goal text already counts failed requests (no separate "no failed requests" line). */
export const GOALS = {
  healthz: none('(reference, no goal)'),
  me: meGoal('≥ 0.60 × bare, 0 non-2xx'),
  'me-50c': meGoal('≥ 0.60 × bare at 50 connections, 0 non-2xx'),
  'me-opaque': none('(no goal: compare with me)'),
  // Issue 20's decision: the authoritative session read stays, with these targets.
  introspect: { text: '≥ 0.45 × bare (SQLite), ≥ 0.35 (PostgreSQL)', check: (r) => r.ratio >= (r.dialect === 'sqlite' ? 0.45 : 0.35) },
  refresh: { text: '≥ 1000 req/s (SQLite), ≥ 500 (PostgreSQL)', check: (r) => r.tessera.rps >= (r.dialect === 'sqlite' ? 1000 : 500) },
  login: loginGoal,
  'login-webhook': loginGoal,
  register: none('(no throughput goal)'),
  'mfa-verify': none('(no throughput goal)'),
  'page-login': none('(no throughput goal)'),
  'webhook-dispatch': none('(no throughput goal)'),
};
/** Tessera ÷ the peer, same run, same load: issue 20 keeps reads ≥ 50× and logins ≥ 5× Better Auth's. */
export const PEER_GOALS = [
  { ours: 'me', peer: 'better-auth-session', what: 'reads: me ÷ Better Auth get-session', min: 50 },
  { ours: 'login', peer: 'better-auth-sign-in', what: 'logins: login (argon2id) ÷ Better Auth sign-in (scrypt)', min: 5 },
];
export const RSS_LIMIT_MB = 150;
export const READY_LIMIT_MS = 1000;

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
// autocannon's latency histogram has 1 ms resolution.
const ms = (x) => (x === 0 ? '<1' : f0(x));

/** Every goal a row is held to, each with its verdict. */
export function verdicts(r) {
  if (r.skip || r.peer) return [];
  const goal = GOALS[r.scenario];
  const out = [{ goal: goal.text, ok: goal.check(r) }];
  if (!r.custom && !goal.failures && r.tessera.non2xx + r.tessera.errors > 0) out.push({ goal: 'no failed requests', ok: false });
  out.push({ goal: `peak RSS < ${RSS_LIMIT_MB} MB`, ok: r.peakRssMb < RSS_LIMIT_MB });
  if (r.dialect === 'sqlite') out.push({ goal: `ready < ${READY_LIMIT_MS} ms`, ok: r.readyMs < READY_LIMIT_MS });
  return out;
}

const rates = (rounds) => rounds.map((x) => x.rate);
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const verdictCell = (r) => (r.peer ? 'peer' : verdicts(r).every((v) => v.ok) ? 'yes' : 'NO');

function columns(r) {
  if (r.skip) return [r.dialect, r.scenario, `skipped: ${r.skip}`];
  // webhook-dispatch: deliveries/s in the req/s column, each round's rate in "each round".
  if (r.custom) {
    return [r.dialect, r.scenario, f0(medianOf(rates(r.custom.rounds))), '', '', '0', '', '', '', rates(r.custom.rounds).map(f0).join(' '),
      f1(r.peakRssMb), f0(r.readyMs), '', '', '', verdictCell(r)];
  }
  const t = r.tessera;
  return [
    r.dialect, r.scenario, f0(t.rps), ms(t.p50), ms(t.p99), String(t.non2xx + t.errors), f0(r.bare.rps), f2(r.ratio),
    r.raw ? `${f0(r.raw.rate)} (${f2(r.loginOverRaw)})` : '', r.roundRatios.map(f2).join(' '),
    f1(r.peakRssMb), f0(r.readyMs), `${f0(t.cpu.target)}%`, `${f0(t.cpu.driver)}%`, `${f0(t.cpu.other)}%`, verdictCell(r),
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
  return rows.flatMap((r) => {
    if (r.skip) return [`- ${r.dialect} ${r.scenario}: SKIPPED — ${r.skip}`];
    const facts = [];
    if (r.custom) {
      const c = r.custom;
      facts.push(`- ${r.dialect} ${r.scenario}: ${c.events} queued events delivered at ${f0(medianOf(rates(c.rounds)))} deliveries/s (median; `
        + `${c.rounds.map((x) => `${f2(x.seconds)} s`).join(', ')} from release to the last)`);
    }
    if (r.note) facts.push(`- ${r.dialect} ${r.scenario}: ${r.note}`);
    return [...facts, ...verdicts(r).map((v) => `- ${r.dialect} ${r.scenario}: ${v.goal} — ${v.ok ? 'met' : 'MISSED'}`)];
  });
}

/** Tessera against the peer, where the run has both rows (SQLite). */
export function comparisonLines(rows) {
  const find = (name) => rows.find((r) => r.dialect === 'sqlite' && r.scenario === name && !r.skip);
  return PEER_GOALS.flatMap((g) => {
    const ours = find(g.ours);
    const peer = find(g.peer);
    if (!ours || !peer) return [];
    const x = ours.tessera.rps / peer.tessera.rps;
    return [`- sqlite ${g.what}: ${f0(ours.tessera.rps)} ÷ ${f1(peer.tessera.rps)} req/s = ${f1(x)}× (≥ ${g.min}×) — ${x >= g.min ? 'met' : 'MISSED'}`];
  });
}

/** The mixed load's lines: req/s per kind, failures, and the server's peak RSS against the limit. */
export function mixedLines(m) {
  const kinds = m.kinds.map((k) => `${k.name} ${f0(k.rps)} req/s (${k.connections} conn., ${k.failed} failed)`).join(', ');
  return [
    `- mixed ${m.seconds} s on ${m.database}: ${kinds}; ${f0(m.totalRps)} req/s in all`,
    `- mixed: peak RSS ${f1(m.peakRssMb)} MB < ${RSS_LIMIT_MB} MB — ${m.peakRssMb < RSS_LIMIT_MB ? 'met' : 'MISSED'}`,
  ];
}

export function machine() {
  const c = cpus();
  return {
    cpus: c.length, model: c[0]?.model ?? 'unknown', memGiB: totalmem() / 2 ** 30, node: process.version,
    kernel: release(), load: loadavg(),
  };
}

export function markdown({ rows, mixed, params, started, command, loadBefore, loadAfter }) {
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
    ...comparisonLines(rows),
    ...(mixed ? mixedLines(mixed) : []),
    '',
  ];
  return lines.join('\n');
}
