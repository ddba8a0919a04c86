import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mailer, MailIntent } from '../../src/core/mail-intent.js';
import { createMailer } from '../../src/mail/create-mailer.js';
import { closedPort, startSmtpSink, type SmtpSink } from './smtp-sink.js';

const silent = { warn: () => {} };
const FROM = 'Tessera <no-reply@tessera.test>';
// Long and full of '=' and '&' so quoted-printable wrapping and escaping are exercised.
const TOKEN = 'tok_' + 'Zq9'.repeat(20);
const LINK = `https://auth.example.test/auth/v1/verify?token=${TOKEN}&type=signup&redirect_to=https%3A%2F%2Fapp.example.test%2Fwelcome`;
const intent: MailIntent = { kind: 'verify', to: 'ann@example.test', token: TOKEN, link: LINK };

let sink: SmtpSink | undefined;
let mailer: Mailer | undefined;
afterEach(async () => {
  await mailer?.close();
  await sink?.close();
  mailer = undefined;
  sink = undefined;
});

function expectNoSecrets(err: unknown): void {
  expect(err).toBeInstanceOf(Error);
  const dump = inspect(err, { depth: 10, showHidden: true }) + JSON.stringify(err) + String((err as Error).message);
  expect(dump).not.toContain(TOKEN);
  expect(dump).not.toContain(LINK);
  expect(dump).not.toContain('ann@example.test');
}

describe('SMTP delivery', () => {
  it('delivers a verify message over a real SMTP conversation', async () => {
    sink = await startSmtpSink();
    mailer = createMailer({ smtpUrl: sink.url, from: FROM, logger: silent });
    await mailer.send(intent);

    expect(sink.received).toHaveLength(1);
    const got = sink.received[0]!;
    expect(got.rcptTo).toEqual(['ann@example.test']);
    expect(got.mailFrom).toBe('no-reply@tessera.test');
    expect(got.headers.get('to')).toBe('ann@example.test');
    expect(got.headers.get('from')).toBe(FROM);
    expect(got.headers.get('subject')).toBe('Verify your email');
    expect(got.text).toContain(LINK);
    expect(got.html).toContain(`href="${LINK.replaceAll('&', '&amp;')}"`);
  });

  it('delivers a reset message', async () => {
    sink = await startSmtpSink();
    mailer = createMailer({ smtpUrl: sink.url, from: FROM, logger: silent });
    const resetLink = 'https://auth.example.test/reset?token=r_42';
    await mailer.send({ kind: 'reset', to: 'bob@example.test', token: 'r_42', link: resetLink });
    const got = sink.received[0]!;
    expect(got.rcptTo).toEqual(['bob@example.test']);
    expect(got.headers.get('subject')).toBe('Reset your password');
    expect(got.text).toContain(resetLink);
  });

  it('authenticates with credentials from the URL', async () => {
    const logins: string[] = [];
    sink = await startSmtpSink({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        logins.push(`${auth.username}:${auth.password}`);
        if (auth.username === 'mailer' && auth.password === 's3cret') cb(null, { user: auth.username });
        else cb(new Error('bad credentials'));
      },
    });
    mailer = createMailer({ smtpUrl: `smtp://mailer:s3cret@127.0.0.1:${sink.port}`, from: FROM, logger: silent });
    await mailer.send(intent);
    expect(logins).toEqual(['mailer:s3cret']);
    expect(sink.received).toHaveLength(1);
  });

  it('rejects without leaking the token when the server refuses the message', async () => {
    // A hostile relay that echoes the message content back in its error reply.
    sink = await startSmtpSink({
      onData(stream, _session, cb) {
        let body = '';
        stream.on('data', (c: Buffer) => (body += c.toString()));
        stream.on('end', () => {
          const err = Object.assign(new Error(`rejected: ${body.slice(0, 2000)}`), { responseCode: 554 });
          cb(err);
        });
      },
    });
    mailer = createMailer({ smtpUrl: sink.url, from: FROM, logger: silent });
    const err = await mailer.send(intent).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNoSecrets(err);
    expect((err as Error).message).toMatch(/smtp/i);
    expect((err as Error).message).toContain('554');
  });

  it('rejects without leaking the recipient when RCPT TO is refused', async () => {
    sink = await startSmtpSink({
      onRcptTo(address, _session, cb) {
        cb(Object.assign(new Error(`no such user ${address.address} ${LINK}`), { responseCode: 550 }));
      },
    });
    mailer = createMailer({ smtpUrl: sink.url, from: FROM, logger: silent });
    const err = await mailer.send(intent).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNoSecrets(err);
    expect(sink.received).toHaveLength(0);
  });

  it('rejects without leaking the token when the relay is down', async () => {
    const port = await closedPort();
    mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, logger: silent });
    const err = await mailer.send(intent).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNoSecrets(err);
    expect((err as Error).message).toMatch(/ESOCKET|ECONNECTION/);
  });

  it('refuses non-SMTP URLs without echoing them', () => {
    expect(() => createMailer({ smtpUrl: 'http://user:pw@mail.test', from: FROM, logger: silent })).toThrow(/smtp/);
    let caught: unknown;
    try {
      createMailer({ smtpUrl: 'not a url pw=hunter2', from: FROM, logger: silent });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
