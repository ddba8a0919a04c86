import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { otpauthQrSvg } from '../../src/core/mfa/qr-svg.js';
import { newRecoveryCodes, recoveryCodeHasher } from '../../src/core/mfa/recovery-codes.js';
import { newTotpSecret, totpStep, totpUri } from '../../src/core/mfa/totp.js';
import { effectiveScopes, holdsAdmin } from '../../src/core/scopes.js';

describe('MFA primitives', () => {
  it('TOTP: 160-bit secrets, a standard otpauth URI, and the step a code belongs to', async () => {
    const secret = await newTotpSecret();
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
    const uri = new URL(await totpUri(secret, 'Camelot', 'arthur@camelot.bt'));
    expect(uri.protocol).toBe('otpauth:');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: 'Camelot', algorithm: 'SHA1', digits: '6', period: '30' });
    const at = 1_700_000_015_000;
    const step = Math.floor(at / 30_000);
    const code = (ms: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });
    expect(await totpStep(secret, code(at), at)).toBe(step);
    expect(await totpStep(secret, code(at - 30_000), at)).toBe(step - 1);
    expect(await totpStep(secret, code(at + 30_000), at)).toBe(step + 1);
    expect(await totpStep(secret, code(at + 60_000), at)).toBeUndefined();
    expect(await totpStep(secret, 'abcdef', at)).toBeUndefined();
    expect(await totpStep(secret, `${code(at)}0`, at)).toBeUndefined();
  });

  it('recovery codes: ten distinct 160-bit codes, hashed under a key, as typed in any case or grouping', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{8}(-[a-z2-7]{8}){3}$/);
    const key = randomBytes(32);
    const hash = recoveryCodeHasher(key);
    expect(hash(codes[0]!.toUpperCase().replace(/-/g, ' '))).toBe(hash(codes[0]!));
    expect(hash(codes[0]!)).not.toBe(recoveryCodeHasher(randomBytes(32))(codes[0]!));
    expect(hash(codes[0]!)).not.toContain(codes[0]!.replace(/-/g, ''));
  });

  it('renders the otpauth URI as an SVG QR code', async () => {
    const svg = await otpauthQrSvg(await totpUri(await newTotpSecret(), 'Tessera', 'arthur'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });

  it('withholds admin from a superuser without a second factor only under the policy', () => {
    const admin = { isSuperuser: true, scopes: ['admin', 'x'], mfaEnabled: false };
    const policy = { adminNeedsSecondFactor: true };
    expect(effectiveScopes(admin)).toContain('admin');
    expect(effectiveScopes(admin, policy)).toEqual(['me', 'x']);
    expect(holdsAdmin(admin, policy)).toBe(false);
    expect(holdsAdmin({ ...admin, mfaEnabled: true }, policy)).toBe(true);
    expect(effectiveScopes({ ...admin, mfaEnabled: true }, policy)).toContain('admin');
  });
});
