// A webhook receiver in the driver process: counts distinct webhook-ids, answers 204. `hold()`
// keeps the answers back (the dispatcher then has its few attempts in flight and claims nothing
// more) until `release()`.
import http from 'node:http';
import { once } from 'node:events';

export async function startReceiver() {
  const seen = new Set();
  let held = null;
  let waiter;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.add(req.headers['webhook-id']);
      if (waiter && seen.size >= waiter.n) { waiter.resolve(performance.now()); waiter = undefined; }
      if (held) held.push(res);
      else res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    get count() { return seen.size; },
    reset() { seen.clear(); },
    hold() { held = []; },
    release() {
      const out = held ?? [];
      held = null;
      for (const res of out) res.writeHead(204).end();
    },
    /** Resolves with the time the n-th distinct delivery arrived (at once if it already has). */
    until(n, timeoutMs) {
      if (seen.size >= n) return Promise.resolve(performance.now());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`webhook receiver: ${seen.size} of ${n} deliveries after ${timeoutMs} ms`)), timeoutMs);
        waiter = { n, resolve: (t) => { clearTimeout(timer); resolve(t); } };
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
