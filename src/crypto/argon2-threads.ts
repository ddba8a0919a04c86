import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Options } from '@node-rs/argon2';

export interface Argon2Threads {
  hash(password: string, options: Options): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

type Job = { op: 'hash'; password: string; options: Options } | { op: 'verify'; phc: string; password: string };
type Reply = { id: number; ok: true; value: string | boolean } | { id: number; ok: false; message: string };
type Pending = { resolve: (v: string | boolean) => void; reject: (e: Error) => void; settled: Promise<unknown> };

// Plain CommonJS, run with `eval` so it works the same from the compiled server and from sources
// under test: each thread hashes its messages one after another with the synchronous API.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
parentPort.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? argon2.hashSync(job.password, job.options) : argon2.verifySync(job.phc, job.password);
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(err && err.message) });
  }
});`;

const ARGON2_MODULE = createRequire(import.meta.url).resolve('@node-rs/argon2');
const CLOSE_GRACE_MS = 5_000;

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * argon2 on dedicated threads, one per core. A thread takes its next job
 * from its own message queue the moment a hash ends, without waiting for the
 * event loop: with the libuv pool, each hash slot sat idle until the busy
 * main thread got round to handing out the next hash (measured: a third of
 * both cores idle during a login flood). Callers bound how much they hand in
 * (hashing-queue.ts); each job goes to the thread with the fewest. Threads
 * start with the first hash, so they cost nothing at start-up.
 */
export function createArgon2Threads(size: number): Argon2Threads {
  const threads: Thread[] = [];
  let nextId = 0;

  function spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2: ARGON2_MODULE },
      // The thread only relays to native code: a small heap keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
    });
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (r: Reply) => {
      const p = thread.pending.get(r.id);
      thread.pending.delete(r.id);
      if (thread.pending.size === 0) worker.unref();
      if (r.ok) p?.resolve(r.value);
      else p?.reject(new Error(r.message));
    });
    // A thread that dies fails its jobs; the next job starts a new one.
    const fail = (err: Error) => {
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('argon2 thread exited')));
    // Idle threads never keep the process alive; a thread with work does (someone awaits it).
    worker.unref();
    return thread;
  }

  function run<T extends string | boolean>(job: Job): Promise<T> {
    let thread = threads.reduce<Thread | undefined>((best, t) => (!best || t.pending.size < best.pending.size ? t : best), undefined);
    if (!thread || (thread.pending.size > 0 && threads.length < size)) threads.push((thread = spawn()));
    const id = nextId++;
    const target = thread;
    let entry!: Pending;
    const result = new Promise<T>((resolve, reject) => {
      entry = { resolve: resolve as (v: string | boolean) => void, reject, settled: Promise.resolve() };
    });
    entry.settled = result.catch(() => undefined);
    target.pending.set(id, entry);
    target.worker.ref();
    target.worker.postMessage({ ...job, id });
    return result;
  }

  return {
    hash: (password, options) => run<string>({ op: 'hash', password, options }),
    verify: (phc, password) => run<boolean>({ op: 'verify', phc, password }),
    /** Lets the jobs already handed in finish (a request still being answered), then stops the threads. */
    async close() {
      const closing = threads.splice(0);
      const inFlight = closing.flatMap((t) => [...t.pending.values()].map((p) => p.settled));
      await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      await Promise.all(closing.map((t) => t.worker.terminate()));
    },
  };
}
