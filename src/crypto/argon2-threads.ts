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
// under test. The thread keeps `size` hashes running on the library's async API (native threads of
// the libuv pool) and starts a waiting one the moment one ends: its event loop does nothing else.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
const waiting = [];
let running = 0;
const reply = (id) => [
  (value) => parentPort.postMessage({ id, ok: true, value }),
  (err) => parentPort.postMessage({ id, ok: false, message: String(err && err.message) }),
];
function next() {
  while (running < workerData.size && waiting.length > 0) {
    const job = waiting.shift();
    running++;
    const work = job.op === 'hash' ? argon2.hash(job.password, job.options) : argon2.verify(job.phc, job.password);
    work.then(...reply(job.id)).then(() => { running--; next(); });
  }
}
parentPort.on('message', (job) => { waiting.push(job); next(); });`;

/**
 * How many hashes may run at once without taking the whole libuv pool (the library's native threads
 * come from it, shared with file, DNS and WebCrypto work): its size (UV_THREADPOOL_SIZE, default
 * 4) less two. Node reads that variable before any code of ours runs, so it is set where the server
 * is started (Dockerfile, deploy/tessera.service; docs/configuration.md).
 */
export function hashThreadsAvailable(env: NodeJS.ProcessEnv = process.env): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Math.max(1, (Number.isInteger(pool) && pool > 0 ? Math.min(pool, 1024) : 4) - 2);
}

const ARGON2_MODULE = createRequire(import.meta.url).resolve('@node-rs/argon2');
const CLOSE_GRACE_MS = 5_000;

/**
 * argon2 off the main thread, `size` hashes at once (one per core). One relay thread hands the
 * jobs to the library's native threads and starts the next the moment a hash ends, without waiting
 * for the busy main event loop: with the main thread handing out hashes itself, each hash slot sat
 * idle until it got round to it (measured: a third of both cores idle during a login flood). One
 * relay rather than one thread per hash: each Node thread is a V8 isolate of its own, about 7 MB
 * of memory (docs/benchmarks.md, round 8). Callers bound how much they hand in (hashing-queue.ts).
 * The thread starts with the first hash, so it costs nothing at start-up.
 */
export function createArgon2Threads(size: number): Argon2Threads {
  let relay: Worker | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 0;

  function spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2: ARGON2_MODULE, size },
      // The thread only relays to native code: a small heap keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
    });
    worker.on('message', (r: Reply) => {
      const p = pending.get(r.id);
      pending.delete(r.id);
      if (pending.size === 0) worker.unref();
      if (r.ok) p?.resolve(r.value);
      else p?.reject(new Error(r.message));
    });
    // A thread that dies fails its jobs; the next job starts a new one.
    const fail = (err: Error) => {
      if (relay === worker) relay = undefined;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('argon2 thread exited')));
    // Idle, it never keeps the process alive; with work it does (someone awaits it).
    worker.unref();
    return worker;
  }

  function run<T extends string | boolean>(job: Job): Promise<T> {
    const worker = (relay ??= spawn());
    const id = nextId++;
    let entry!: Pending;
    const result = new Promise<T>((resolve, reject) => {
      entry = { resolve: resolve as (v: string | boolean) => void, reject, settled: Promise.resolve() };
    });
    entry.settled = result.catch(() => undefined);
    pending.set(id, entry);
    worker.ref();
    worker.postMessage({ ...job, id });
    return result;
  }

  return {
    hash: (password, options) => run<string>({ op: 'hash', password, options }),
    verify: (phc, password) => run<boolean>({ op: 'verify', phc, password }),
    /** Lets the jobs already handed in finish (a request still being answered), then stops the thread. */
    async close() {
      const closing = relay;
      relay = undefined;
      if (!closing) return;
      const inFlight = [...pending.values()].map((p) => p.settled);
      await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      await closing.terminate();
    },
  };
}
