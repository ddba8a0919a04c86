import type { Transporter } from 'nodemailer';
import type { MailTransport } from './mail-transport.js';
import type { RenderedMail } from './templates.js';

export interface SmtpTransportOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465 (implicit TLS). */
  url: string;
  from: string;
  /** Upper bound for connect, greeting and idle socket waits, so a dead relay cannot hang a request. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Raised for any failed SMTP delivery. The message carries only nodemailer's error code,
 * the SMTP reply code and the command: never the server's reply text, which can echo
 * recipients or message content (and so the token), and never the original error as
 * `cause`, because log serializers walk causes.
 */
export class SmtpDeliveryError extends Error {
  override readonly name = 'SmtpDeliveryError';
  readonly code: string | undefined;
  readonly responseCode: number | undefined;

  constructor(code: string | undefined, responseCode: number | undefined, command: string | undefined) {
    const details = [code, responseCode === undefined ? undefined : String(responseCode), command]
      .filter((part): part is string => part !== undefined && part !== '')
      .join(', ');
    super(`SMTP delivery failed${details ? ` (${details})` : ''}`);
    this.code = code;
    this.responseCode = responseCode;
  }
}

function pick<T>(value: unknown, key: string, type: 'string' | 'number'): T | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === type ? (field as T) : undefined;
}

// The command is a verb like "RCPT TO" or "DATA"; keep only that so an argument
// (an address) can never ride along.
function commandVerb(command: string | undefined): string | undefined {
  return command?.match(/^[A-Za-z]+(?: [A-Za-z]+)?/)?.[0]?.toUpperCase();
}

export function createSmtpTransport(opts: SmtpTransportOptions): MailTransport {
  let protocol: string;
  try {
    protocol = new URL(opts.url).protocol;
  } catch {
    // The URL may hold credentials, so it is not echoed back.
    throw new Error('TESSERA_SMTP_URL is not a valid URL');
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new Error(`TESSERA_SMTP_URL must use smtp: or smtps:, got ${protocol}`);
  }

  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // nodemailer is loaded with the first mail, not at start (it adds ~40 ms to start-up).
  let transporter: Promise<Transporter> | undefined;
  const connect = () => (transporter ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
    url: opts.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer's own logger would print envelopes; it stays off.
    logger: false,
  })));

  return {
    name: 'smtp',
    async deliver(message: RenderedMail): Promise<void> {
      try {
        await (await connect()).sendMail({
          from: opts.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      } catch (err) {
        throw new SmtpDeliveryError(
          pick<string>(err, 'code', 'string'),
          pick<number>(err, 'responseCode', 'number'),
          commandVerb(pick<string>(err, 'command', 'string')),
        );
      }
    },
    async close(): Promise<void> {
      (await transporter)?.close();
    },
  };
}
