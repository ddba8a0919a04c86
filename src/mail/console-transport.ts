import type { MailTransport } from './mail-transport.js';
import type { RenderedMail } from './templates.js';

export interface ConsoleTransportOptions {
  /** Defaults to process.stderr; injectable for tests. */
  out?: { write(chunk: string): unknown };
}

/**
 * Development backend: prints each message to standard error. It deliberately bypasses the
 * pino logger, and stays off standard output (the JSON log stream, which is shipped to log
 * collectors), because logs must never carry tokens; this output is the explicit "no mail
 * configured" dev mode that the startup warning announces.
 */
export function createConsoleTransport(opts: ConsoleTransportOptions = {}): MailTransport {
  const out = opts.out ?? process.stderr;
  return {
    name: 'console',
    async deliver(message: RenderedMail): Promise<void> {
      out.write(
        [
          `----- mail (${message.kind}) -----`,
          `To: ${message.to}`,
          `Subject: ${message.subject}`,
          '',
          message.text.trimEnd(),
          '----- end mail -----',
          '',
        ].join('\n'),
      );
    },
    async close(): Promise<void> {},
  };
}
