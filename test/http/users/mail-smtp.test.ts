import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { closedPort, startSmtpSink, type SmtpSink } from '../../mail/smtp-sink.js';
import { coreUser, form } from '../../support/users-fixtures.js';

const PUBLIC_URL = 'https://id.camelot.bt/auth-server';

describe.each(DIALECTS)('mail over a real SMTP conversation (%s)', (dialect) => {
  let sink: SmtpSink;
  let s: TestServer;
  beforeAll(async () => {
    sink = await startSmtpSink();
    // Outbox off: the token can only come from what the SMTP server received.
    s = await startServer(dialect, { TESSERA_SMTP_URL: sink.url, TESSERA_MAIL_OUTBOX: '', TESSERA_PUBLIC_URL: PUBLIC_URL, TESSERA_MAIL_FROM: 'Camelot <no-reply@camelot.bt>' });
  });
  afterAll(async () => {
    await s.close();
    await sink.close();
  });

  async function received(to: string) {
    await s.container.accountTokens.drain();
    return sink.received.filter((m) => m.rcptTo.includes(to));
  }

  it('forgot-password sends a reset link built from TESSERA_PUBLIC_URL, and its token resets the password', async () => {
    await coreUser(s, 'arthur@camelot.bt');
    expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'arthur@camelot.bt' } })).statusCode).toBe(202);
    const [mail, ...more] = await received('arthur@camelot.bt');
    expect(more).toEqual([]);
    expect(mail!.mailFrom).toBe('no-reply@camelot.bt');
    expect(mail!.headers.get('subject')).toBe('Reset your password');
    expect(mail!.headers.get('to')).toBe('arthur@camelot.bt');
    const link = /https:\/\/id\.camelot\.bt\/auth-server\/reset-password\?token=([A-Za-z0-9_-]{43})\b/.exec(mail!.text);
    expect(link, mail!.text).not.toBeNull();
    expect(mail!.html).toContain(`href="${link![0]}"`);

    const reset = await s.app.inject({ method: 'POST', url: '/auth/reset-password', payload: { token: link![1], password: 'the once and future king' } });
    expect(reset.statusCode).toBe(200);
    const login = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'arthur@camelot.bt', password: 'the once and future king' }) });
    expect(login.statusCode).toBe(200);
  });

  it('request-verify-token sends a verify link whose token verifies', async () => {
    await coreUser(s, 'lancelot@camelot.bt');
    expect((await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: 'lancelot@camelot.bt' } })).statusCode).toBe(202);
    const [mail] = await received('lancelot@camelot.bt');
    const token = /https:\/\/id\.camelot\.bt\/auth-server\/verify\?token=([A-Za-z0-9_-]{43})\b/.exec(mail!.text)?.[1];
    expect(token).toBeDefined();
    const verify = await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token } });
    expect(verify.statusCode).toBe(200);
    expect(verify.json().is_verified).toBe(true);
  });

  it('nothing is sent for an unknown address', async () => {
    expect((await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'nobody@camelot.bt' } })).statusCode).toBe(202);
    expect(await received('nobody@camelot.bt')).toEqual([]);
  });
});

describe.each(DIALECTS)('mail with the SMTP relay down (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
  });
  afterAll(async () => { await s.close(); });

  it('forgot-password still answers 202: a mail outage never fails the request', async () => {
    await coreUser(s, 'gawain@camelot.bt');
    const res = await s.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'gawain@camelot.bt' } });
    expect(res.statusCode).toBe(202);
    await s.container.accountTokens.drain();
  });
});
