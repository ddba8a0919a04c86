// Summarises a V8 .cpuprofile: self time by function and by package.
// Usage: node profile-summary.js <file> [top] [--last <seconds>]
// --last keeps only the samples of the final N seconds before the profile ended (minus the last
// 0.5 s of shutdown): in a bench run that is the measured Tessera run, without start-up, set-up
// and the time the server sat idle while the baseline was measured.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const lastAt = args.indexOf('--last');
const lastSeconds = lastAt >= 0 ? Number(args.splice(lastAt, 2)[1]) : undefined;
const [file, topArg] = args;
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const times = [];
for (let i = 0, t = prof.startTime; i < prof.samples.length; i++) times.push((t += prof.timeDeltas[i] ?? 0));
const to = prof.endTime - 500_000;
const from = lastSeconds === undefined ? -Infinity : to - lastSeconds * 1e6;
const self = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  if (times[i] < from || (lastSeconds !== undefined && times[i] > to)) continue;
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const fn = new Map();
const pkg = new Map();
for (const [id, us] of self) {
  const { callFrame: c } = byId.get(id);
  const where = c.url.replace(/^file:\/\//, '');
  const key = `${c.functionName || '(anonymous)'} ${where.split('/').slice(-2).join('/')}:${c.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  const p = m ? m[1] : where.includes('/dist/') ? `tessera ${where.split('/dist/')[1]}` : where.startsWith('node:') ? 'node core' : c.functionName || '(native/other)';
  pkg.set(p, (pkg.get(p) ?? 0) + us);
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};
show('self time by package/file', pkg);
show('self time by function', fn);
