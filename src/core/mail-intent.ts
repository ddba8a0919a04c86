/** What core asks the mail layer to deliver; rendering and transport live in src/mail. */
export type MailKind = 'verify' | 'reset';

export interface MailIntent {
  kind: MailKind;
  to: string;
  /** The raw purpose token; only ever leaves the process inside the message itself. */
  token: string;
  /** Absolute link built from TESSERA_PUBLIC_URL, never from the request's Host header. */
  link: string;
}

export interface Mailer {
  send(intent: MailIntent): Promise<void>;
  close(): Promise<void>;
}
