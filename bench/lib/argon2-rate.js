// Raw argon2id rate: `concurrency` verifications in flight for `seconds`, nothing else in the process.
// A login does exactly one verification, so this is the ceiling a login can approach.
// Usage: node argon2-rate.js '<json {memoryCost,timeCost,parallelism,concurrency,seconds}>'
import { Algorithm, hash, verify } from '@node-rs/argon2';

const { concurrency, seconds, ...params } = JSON.parse(process.argv[2]);
const options = { algorithm: Algorithm.Argon2id, ...params };
const password = 'correct horse battery staple';
const phc = await hash(password, options);
for (let i = 0; i < concurrency * 2; i++) await verify(phc, password); // warm the thread pool

let done = 0;
const started = performance.now();
const end = started + seconds * 1000;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < end) {
    if (!(await verify(phc, password))) throw new Error('verification failed');
    done++;
  }
}));
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ rate: done / elapsed, done, seconds: elapsed }) + '\n');
