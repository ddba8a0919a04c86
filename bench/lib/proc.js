// CPU and memory accounting from /proc, so every figure says what else was running.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let tick = 100;
try { tick = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* Linux default */ }

/** Busy CPU seconds of the whole machine so far (every core). */
function machineBusy() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f; // idle and iowait are not busy
  return (user + nice + system + irq + softirq + steal) / tick;
}

/** CPU seconds a process has used so far (all its threads). */
export function processCpu(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / tick;
  } catch {
    return 0;
  }
}

/** Peak resident set (VmHWM) of a process in MiB, or NaN when /proc is unavailable. */
export function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts a CPU window. `end()` gives, as percent of ONE core: the target
 * process, this driver (autocannon), and everything else on the machine
 * (other people's work: the noise in the figure).
 */
export function cpuWindow(pid) {
  const t0 = performance.now();
  const m0 = machineBusy();
  const p0 = processCpu(pid);
  const d0 = process.cpuUsage();
  return {
    end() {
      const secs = (performance.now() - t0) / 1000;
      const machine = machineBusy() - m0;
      const target = processCpu(pid) - p0;
      const du = process.cpuUsage(d0);
      const driver = (du.user + du.system) / 1e6;
      const pct = (x) => (100 * x) / secs;
      return { target: pct(target), driver: pct(driver), other: Math.max(0, pct(machine - target - driver)), cores: cpus().length };
    },
  };
}
