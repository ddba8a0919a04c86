import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { StoredAuditEvent } from '../../src/webhooks/outbox.js';

export interface Received { headers: IncomingHttpHeaders; body: string; at: number }

/** A webhook receiver on loopback: records every request and answers `answer(n)` for the n-th (0-based), which may take its time. */
export async function startReceiver(answer: (n: number) => number | Promise<number> = () => 204) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      void Promise.resolve(answer(n)).then((status) => {
        res.statusCode = status;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A stored-audit-event-shaped object, as the audit log would hand the outbox. */
export function auditEvent(type = 'login.succeeded', over: Partial<StoredAuditEvent> = {}): StoredAuditEvent {
  return {
    id: randomUUID(), type, at: new Date().toISOString(), user_id: randomUUID(), actor_id: null,
    face: 'users', ip: '127.0.0.1', user_agent: 'test', detail: {}, ...over,
  };
}
