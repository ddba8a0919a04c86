import type { RenderedMail } from './templates.js';

/** One delivery backend; the mailer renders once and fans the result out to each of these. */
export interface MailTransport {
  /** Short, token-free label used in error messages. */
  readonly name: string;
  deliver(message: RenderedMail): Promise<void>;
  close(): Promise<void>;
}
