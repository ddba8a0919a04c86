import type { MailIntent, MailKind } from '../core/mail-intent.js';

/** A message ready for any transport; the shape is also the outbox file format. */
export interface RenderedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: MailKind;
  token: string;
}

export interface RenderOptions {
  productName?: string;
}

const DEFAULT_PRODUCT_NAME = 'Tessera';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes for both element content and quoted attributes (the link lands in href="..."). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

interface Copy {
  subject: string;
  intro: string;
  action: string;
  outro: string;
}

// Wording lives in one table so verify and reset stay structurally identical.
function copyFor(kind: MailKind, to: string, product: string): Copy {
  switch (kind) {
    case 'verify':
      return {
        subject: 'Verify your email',
        intro: `Please confirm that ${to} is your email address for ${product} by opening the link below.`,
        action: 'Verify my email',
        outro: `If you did not sign up for ${product}, you can safely ignore this message.`,
      };
    case 'reset':
      return {
        subject: 'Reset your password',
        intro: `Someone asked to reset the ${product} password for ${to}. Open the link below to choose a new one.`,
        action: 'Reset my password',
        outro: 'If you did not ask for this, you can safely ignore this message; your password will not change.',
      };
  }
}

export function renderMail(intent: MailIntent, opts: RenderOptions = {}): RenderedMail {
  const product = opts.productName ?? DEFAULT_PRODUCT_NAME;
  // Copy is built from raw values for text, and separately from escaped values for html,
  // so nothing interpolated into markup is ever unescaped.
  const plain = copyFor(intent.kind, intent.to, product);
  const safe = copyFor(intent.kind, escapeHtml(intent.to), escapeHtml(product));
  const link = escapeHtml(intent.link);

  const text = ['Hi,', '', plain.intro, '', intent.link, '', plain.outro, '', `— ${product}`, ''].join('\n');

  const html = [
    '<!doctype html>',
    '<html>',
    `<head><meta charset="utf-8"><title>${escapeHtml(plain.subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222;">',
    '<p>Hi,</p>',
    `<p>${safe.intro}</p>`,
    `<p><a href="${link}">${safe.action}</a></p>`,
    `<p>If the link does not work, copy this address into your browser:<br>${link}</p>`,
    `<p>${safe.outro}</p>`,
    `<p>— ${escapeHtml(product)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return { to: intent.to, subject: plain.subject, text, html, kind: intent.kind, token: intent.token };
}
