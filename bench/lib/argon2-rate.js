// Raw argon2id rate: `concurrency` verifications in flight for `seconds`, nothing else in the process.
// A login does exactly one verification, so this is the ceiling a login can approach. Measured two
// ways, each for half the time, and the better one is the ceiling: through the library's async API
// (the libuv pool) and on `concurrency` threads each verifying back to back with the sync API (what
// the server does, src/crypto/argon2-threads.ts).
// Usage: node argon2-rate.js '<json {memoryCost,timeCost,parallelism,concurrency,seconds}>'
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { Algorithm, hash, verify } from '@node-rs/argon2';

const { concurrency, seconds, ...params } = JSON.parse(process.argv[2]);
const options = { algorithm: Algorithm.Argon2id, ...params };
const password = 'correct horse battery staple';
const phc = await hash(password, options);

async function libuvPool(ms) {
  for (let i = 0; i < concurrency * 2; i++) await verify(phc, password); // warm the thread pool
  let done = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - started < ms) {
      if (!(await verify(phc, password))) throw new Error('verification failed');
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
argon2.verifySync(workerData.phc, workerData.password); // warm up
parentPort.postMessage('ready');
parentPort.once('message', (ms) => {
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (!argon2.verifySync(workerData.phc, workerData.password)) throw new Error('verification failed');
    done++;
  }
  parentPort.postMessage({ done, seconds: (performance.now() - started) / 1000 });
});`;

async function dedicatedThreads(ms) {
  const workerData = { argon2: createRequire(import.meta.url).resolve('@node-rs/argon2'), phc, password };
  const workers = Array.from({ length: concurrency }, () => new Worker(THREAD, { eval: true, workerData }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const results = await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage(ms);
  })));
  await Promise.all(workers.map((w) => w.terminate()));
  return results.reduce((sum, r) => sum + r.done / r.seconds, 0);
}

const pool = await libuvPool((seconds * 1000) / 2);
const threads = await dedicatedThreads((seconds * 1000) / 2);
process.stdout.write(JSON.stringify({ rate: Math.max(pool, threads), pool, threads }) + '\n');
