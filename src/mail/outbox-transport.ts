import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailTransport } from './mail-transport.js';
import type { RenderedMail } from './templates.js';

export interface OutboxTransportOptions {
  dir: string;
}

// A per-process counter keeps files written within the same millisecond in send order.
let sequence = 0;

/** `<ms since epoch>-<6-digit sequence>-<uuid>.json`: unique, and lexical order is time order. */
export function outboxFileName(now: number = Date.now()): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${now}-${String(sequence).padStart(6, '0')}-${randomUUID()}.json`;
}

/**
 * Writes each message as one JSON file, for tests and operators without SMTP.
 * The file is written under a dot-prefixed `.tmp` name in the same directory and then
 * renamed, which is atomic on one filesystem, so a reader never sees a partial `*.json`.
 */
export function createOutboxTransport(opts: OutboxTransportOptions): MailTransport {
  return {
    name: 'outbox',
    async deliver(message: RenderedMail): Promise<void> {
      // Created per send (cheap when present) so deleting the directory at runtime heals. Messages carry
      // live tokens: the directory is 0700 and each file 0600, set by chmod so no umask changes them.
      if ((await mkdir(opts.dir, { recursive: true, mode: 0o700 })) !== undefined) await chmod(opts.dir, 0o700);
      // Built field by field so the file has exactly these keys, in this order.
      const body = {
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        kind: message.kind,
        token: message.token,
      };
      const name = outboxFileName();
      const tmp = join(opts.dir, `.${name}.tmp`);
      try {
        await writeFile(tmp, JSON.stringify(body, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
        await chmod(tmp, 0o600);
        await rename(tmp, join(opts.dir, name));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async close(): Promise<void> {},
  };
}
