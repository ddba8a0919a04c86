import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMailer, MAIL_NOT_DELIVERED_WARNING } from '../../src/mail/create-mailer.js';
import { closedPort, startSmtpSink, type SmtpSink } from './smtp-sink.js';

const FROM = 'no-reply@tessera.test';
const TOKEN = 'tok_secret_value_123';
const LINK = `https://auth.example.test/verify?token=${TOKEN}`;

let root: string;
let sink: SmtpSink | undefined;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-mailer-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await sink?.close();
  sink = undefined;
  await rm(root, { recursive: true, force: true });
});

async function outboxFiles(dir: string): Promise<Record<string, unknown>[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8'))));
}

describe('createMailer', () => {
  it('with neither SMTP nor outbox: warns once and prints messages to stderr, never into the log stream on stdout', async () => {
    const warn = vi.fn();
    const writes: string[] = [];
    const stdout: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    const mailer = createMailer({ from: FROM, logger: { warn } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(MAIL_NOT_DELIVERED_WARNING);
    expect(MAIL_NOT_DELIVERED_WARNING).toBe(
      'mail is not delivered: set TESSERA_SMTP_URL or TESSERA_MAIL_OUTBOX; messages are printed to standard error',
    );

    await mailer.send({ kind: 'reset', to: 'ann@example.test', token: TOKEN, link: LINK });
    await mailer.close();
    vi.restoreAllMocks();

    const out = writes.join('');
    expect(out).toContain('ann@example.test');
    expect(out).toContain('Reset your password');
    expect(out).toContain(LINK);
    expect(stdout.join('')).not.toContain(TOKEN);
    // Sending does not go through the logger.
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('off: sends nothing anywhere and warns about nothing', async () => {
    const warn = vi.fn();
    const writes: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => { writes.push(String(chunk)); return true; });
    }
    const outboxDir = join(root, 'outbox');
    const mailer = createMailer({ off: true, outboxDir, from: FROM, logger: { warn } });
    await mailer.send({ kind: 'reset', to: 'ann@example.test', token: TOKEN, link: LINK });
    await mailer.close();
    vi.restoreAllMocks();
    expect(writes.join('')).not.toContain(TOKEN);
    expect(warn).not.toHaveBeenCalled();
    await expect(readdir(outboxDir)).rejects.toThrow();
  });

  it('treats empty strings as unset', () => {
    const warn = vi.fn();
    createMailer({ smtpUrl: '', outboxDir: '', from: FROM, logger: { warn } });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('does not warn or print when a real backend is configured', async () => {
    const warn = vi.fn();
    const write = vi.spyOn(process.stdout, 'write');
    const mailer = createMailer({ outboxDir: root, from: FROM, logger: { warn } });
    await mailer.send({ kind: 'verify', to: 'ann@example.test', token: TOKEN, link: LINK });
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    vi.restoreAllMocks();
    expect(warn).not.toHaveBeenCalled();
    expect(printed).not.toContain(TOKEN);
  });

  it('delivers over SMTP and writes the outbox when both are set', async () => {
    sink = await startSmtpSink();
    const mailer = createMailer({ smtpUrl: sink.url, outboxDir: root, from: FROM, logger: { warn: vi.fn() } });
    await mailer.send({ kind: 'verify', to: 'ann@example.test', token: TOKEN, link: LINK });
    await mailer.close();

    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.text).toContain(LINK);
    const files = await outboxFiles(root);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ to: 'ann@example.test', kind: 'verify', token: TOKEN });
    // Rendered once: both backends carry the same subject and text.
    expect(files[0]!.subject).toBe(sink.received[0]!.headers.get('subject'));
    expect(sink.received[0]!.text.replace(/\r\n/g, '\n').trim()).toBe(String(files[0]!.text).trim());
  });

  it('still writes the outbox when SMTP fails, then rejects without the token', async () => {
    const port = await closedPort();
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      outboxDir: root,
      from: FROM,
      logger: { warn: vi.fn() },
    });
    const err = await mailer
      .send({ kind: 'verify', to: 'ann@example.test', token: TOKEN, link: LINK })
      .then(() => undefined, (e: unknown) => e);
    await mailer.close();
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain(TOKEN);
    expect((err as Error).message).not.toContain(LINK);
    expect(await outboxFiles(root)).toHaveLength(1);
  });

  it('reports outbox failures without the token', async () => {
    // A regular file where the directory should be makes mkdir fail.
    const blocker = join(root, 'file');
    await (await import('node:fs/promises')).writeFile(blocker, 'x');
    const mailer = createMailer({ outboxDir: join(blocker, TOKEN), from: FROM, logger: { warn: vi.fn() } });
    const err = await mailer
      .send({ kind: 'verify', to: 'ann@example.test', token: TOKEN, link: LINK })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^outbox transport: /);
    expect((err as Error).message).not.toContain(TOKEN);
  });
});
