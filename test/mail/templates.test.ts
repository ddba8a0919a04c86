import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMail } from '../../src/mail/templates.js';

const link = 'https://auth.example.test/verify?token=tok_123&redirect_to=%2Fhome';

describe('renderMail', () => {
  it('renders a verify message that carries the link', () => {
    const m = renderMail({ kind: 'verify', to: 'ann@example.test', token: 'tok_123', link }, {});
    expect(m.subject).toBe('Verify your email');
    expect(m.kind).toBe('verify');
    expect(m.token).toBe('tok_123');
    expect(m.to).toBe('ann@example.test');
    expect(m.text).toContain(link);
    expect(m.text).toContain('Tessera');
    expect(m.html).toContain(`href="${link.replace('&', '&amp;')}"`);
  });

  it('renders a reset message that carries the link', () => {
    const resetLink = 'https://auth.example.test/reset?token=r1';
    const m = renderMail({ kind: 'reset', to: 'ann@example.test', token: 'r1', link: resetLink }, {});
    expect(m.subject).toBe('Reset your password');
    expect(m.kind).toBe('reset');
    expect(m.text).toContain(resetLink);
    expect(m.text.toLowerCase()).toContain('password');
    expect(m.html).toContain(`href="${resetLink}"`);
  });

  it('uses the product name', () => {
    const m = renderMail({ kind: 'verify', to: 'a@b.test', token: 't', link }, { productName: 'Acme ID' });
    expect(m.text).toContain('Acme ID');
    expect(m.html).toContain('Acme ID');
    expect(m.text).not.toContain('Tessera');
  });

  it('html-escapes everything interpolated into html', () => {
    const evilLink = 'https://x.test/v?a=1&b="><script>alert(1)</script>';
    const m = renderMail(
      { kind: 'verify', to: '"<img src=x onerror=alert(1)>"@evil.test', token: 't', link: evilLink },
      { productName: "<b>Acme & 'Co'</b>" },
    );
    expect(m.html).not.toContain('<script>');
    expect(m.html).not.toContain('<img');
    expect(m.html).not.toContain('<b>');
    expect(m.html).not.toContain('b="><');
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m.html).toContain('&lt;b&gt;Acme &amp; &#39;Co&#39;&lt;/b&gt;');
    expect(m.html).toContain(
      'href="https://x.test/v?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"',
    );
    // Plain text is not HTML and stays verbatim.
    expect(m.text).toContain(evilLink);
    expect(m.text).toContain("<b>Acme & 'Co'</b>");
  });

  it('escapeHtml covers the five significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
