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

/** The hosted pages' light palette (src/http/pages/assets/pages.css). */
const PALETTE = { page: '#f4f5f7', card: '#ffffff', border: '#d9dce1', text: '#1d2430', muted: '#4f5866', accent: '#2451b7' };
const FONT = 'system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif';

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

  // Mail clients drop <style> blocks and external sheets: the pages' look (palette, card, button)
  // is repeated here in inline styles, kept to what every common client renders.
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(plain.subject)}</title></head>`,
    `<body style="margin:0; padding:24px 12px; background:${PALETTE.page}; font-family:${FONT}; line-height:1.5; color:${PALETTE.text};">`,
    `<div style="max-width:480px; margin:0 auto; background:${PALETTE.card}; border:1px solid ${PALETTE.border}; border-radius:8px; padding:24px;">`,
    `<p style="margin:0 0 16px; font-weight:700; font-size:18px;">${escapeHtml(product)}</p>`,
    '<p>Hi,</p>',
    `<p>${safe.intro}</p>`,
    `<p style="margin:24px 0;"><a href="${link}" style="display:inline-block; background:${PALETTE.accent}; color:#ffffff; text-decoration:none; padding:10px 18px; border-radius:6px; font-weight:600;">${safe.action}</a></p>`,
    `<p style="font-size:14px; color:${PALETTE.muted};">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all;">${link}</span></p>`,
    `<p style="font-size:14px; color:${PALETTE.muted};">${safe.outro}</p>`,
    '</div>',
    `<p style="text-align:center; font-size:12px; color:${PALETTE.muted};">— ${escapeHtml(product)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return { to: intent.to, subject: plain.subject, text, html, kind: intent.kind, token: intent.token };
}
