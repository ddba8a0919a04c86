import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/create-mailer.js';
import { createOutboxTransport } from '../../src/mail/outbox-transport.js';
import { renderMail } from '../../src/mail/templates.js';

const silent = { warn: () => {} };
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-outbox-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readOutbox(dir: string): Promise<Record<string, unknown>[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8'))));
}

describe('outbox transport', () => {
  it('creates the directory and writes one JSON file with exactly the six keys', async () => {
    const dir = join(root, 'nested', 'outbox');
    const mailer = createMailer({ outboxDir: dir, from: 'no-reply@tessera.test', logger: silent });
    const link = 'https://auth.example.test/verify?token=tok_abc';
    await mailer.send({ kind: 'verify', to: 'ann@example.test', token: 'tok_abc', link });
    await mailer.close();

    const names = await readdir(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\d{13}-\d{6}-[0-9a-f-]{36}\.json$/);
    const [msg] = await readOutbox(dir);
    expect(Object.keys(msg!)).toEqual(['to', 'subject', 'text', 'html', 'kind', 'token']);
    expect(msg).toMatchObject({ to: 'ann@example.test', subject: 'Verify your email', kind: 'verify', token: 'tok_abc' });
    expect(msg!.text).toContain(link);
    expect(msg!.html).toContain(link);
  });

  it('the directory it creates is 0700 and each message 0600, whatever the umask', async () => {
    const dir = join(root, 'private-outbox');
    const old = process.umask(0o002);
    try {
      const mailer = createMailer({ outboxDir: dir, from: 'no-reply@tessera.test', logger: silent });
      await mailer.send({ kind: 'reset', to: 'ann@example.test', token: 'tok_abc', link: 'https://auth.example.test/reset-password?token=tok_abc' });
      await mailer.close();
    } finally {
      process.umask(old);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [name] = await readdir(dir);
    expect(statSync(join(dir, name!)).mode & 0o777).toBe(0o600);
  });

  it('writes reset messages with kind "reset"', async () => {
    const mailer = createMailer({ outboxDir: root, from: 'x@tessera.test', logger: silent });
    await mailer.send({ kind: 'reset', to: 'bob@example.test', token: 'r_1', link: 'https://a.test/r?t=r_1' });
    const [msg] = await readOutbox(root);
    expect(msg).toMatchObject({ kind: 'reset', subject: 'Reset your password', token: 'r_1' });
  });

  it('file names sort in send order, even within one millisecond', async () => {
    const mailer = createMailer({ outboxDir: root, from: 'x@tessera.test', logger: silent });
    for (let i = 0; i < 20; i++) {
      await mailer.send({ kind: 'verify', to: 'a@example.test', token: `t${i}`, link: `https://a.test/v?t=t${i}` });
    }
    const tokens = (await readOutbox(root)).map((m) => m.token);
    expect(tokens).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
  });

  it('never exposes a partial *.json file and leaves no temp files behind', async () => {
    const transport = createOutboxTransport({ dir: root });
    // Several MiB take many write() calls, so a non-atomic write is visible to a concurrent reader.
    const big = 'x'.repeat(4 * 1024 * 1024);
    const message = { ...renderMail({ kind: 'verify', to: 'a@example.test', token: 't', link: 'https://a.test' }), text: big };
    let writing = true;
    const reader = (async () => {
      while (writing) {
        for (const n of (await readdir(root)).filter((f) => f.endsWith('.json'))) {
          // JSON.parse throws on a truncated file, failing the test.
          JSON.parse(await readFile(join(root, n), 'utf8'));
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(Array.from({ length: 10 }, () => transport.deliver(message)));
    writing = false;
    await reader;
    const names = await readdir(root);
    expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(10);
    expect(names.filter((n) => !n.endsWith('.json'))).toEqual([]);
  });
});
