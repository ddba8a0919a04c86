import type { MailIntent, Mailer } from '../core/mail-intent.js';
import { createConsoleTransport } from './console-transport.js';
import type { MailTransport } from './mail-transport.js';
import { createOutboxTransport } from './outbox-transport.js';
import { createSmtpTransport } from './smtp-transport.js';
import { renderMail } from './templates.js';

export interface CreateMailerOptions {
  smtpUrl?: string;
  outboxDir?: string;
  from: string;
  logger: { warn(msg: string): void };
  productName?: string;
  /** Where the console backend writes; defaults to process.stderr. */
  consoleOut?: { write(chunk: string): unknown };
  /** TESSERA_MAIL=off: nothing is sent at all (the routes that mail still answer as usual). */
  off?: boolean;
}

export const MAIL_NOT_DELIVERED_WARNING =
  'mail is not delivered: set TESSERA_SMTP_URL or TESSERA_MAIL_OUTBOX; messages are printed to standard error';

/** Raised when a transport fails; its message names the transport and never the token or link. */
export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
}

// Last line of defence: whatever a transport threw, the error that leaves the mailer
// (and so reaches request/error logs) is rebuilt without the secrets and without a cause.
function sanitize(transport: string, err: unknown, secrets: string[]): MailDeliveryError {
  let detail = err instanceof Error ? err.message : 'unknown error';
  for (const secret of secrets) {
    if (secret) detail = detail.split(secret).join('[redacted]');
  }
  return new MailDeliveryError(`${transport} transport: ${detail}`);
}

export function createMailer(opts: CreateMailerOptions): Mailer {
  if (opts.off) return { send: async () => {}, close: async () => {} };
  const transports: MailTransport[] = [];
  // Empty strings count as unset, matching how env vars are usually blanked out.
  if (opts.smtpUrl) transports.push(createSmtpTransport({ url: opts.smtpUrl, from: opts.from }));
  if (opts.outboxDir) transports.push(createOutboxTransport({ dir: opts.outboxDir }));
  if (transports.length === 0) {
    opts.logger.warn(MAIL_NOT_DELIVERED_WARNING);
    transports.push(createConsoleTransport({ out: opts.consoleOut }));
  }

  return {
    async send(intent: MailIntent): Promise<void> {
      const message = renderMail(intent, { productName: opts.productName });
      // Every transport gets its chance even if another fails, so the outbox still records
      // a message when the relay is down; the first failure is then reported.
      const results = await Promise.allSettled(transports.map((t) => t.deliver(message)));
      const index = results.findIndex((r) => r.status === 'rejected');
      const failed = results[index];
      if (failed?.status === 'rejected') {
        throw sanitize(transports[index]?.name ?? 'mail', failed.reason, [
          intent.link,
          intent.token,
          encodeURIComponent(intent.token),
        ]);
      }
    },
    async close(): Promise<void> {
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}
