import { execFileSync } from 'node:child_process';
import { newRecoveryCode, normalizeRecoveryCode } from './recovery-codes';
import { newTotpSecret, otpauthUrl, totpStep } from './totp';

const oathtool = (secret: string, at: number) => execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${at}`], { encoding: 'utf8' }).trim();

describe('recovery codes', () => {
  it('are 10 Crockford base32 characters in two groups, all different', () => {
    const codes = Array.from({ length: 1000 }, newRecoveryCode);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('ignore case, spaces and dashes, and read I/L as 1 and O as 0', () => {
    expect(normalizeRecoveryCode(' 7k3qd-m9x2p ')).toBe('7K3QDM9X2P');
    expect(normalizeRecoveryCode('iLo12 345 67')).toBe('1101234567');
  });
});

describe('TOTP (RFC 6238, checked against oathtool)', () => {
  it('accepts the current step and one on either side, and nothing at or before afterStep', async () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // Away from a step edge, so the steps below are the ones oathtool computed.
    const now = Math.floor(Date.now() / 1000);
    const step = Math.floor(now / 30);
    if (now % 30 > 27) return;
    expect(await totpStep(secret, oathtool(secret, now))).toBe(step);
    expect(await totpStep(secret, oathtool(secret, now - 30))).toBe(step - 1);
    expect(await totpStep(secret, oathtool(secret, now + 30))).toBe(step + 1);
    expect(await totpStep(secret, oathtool(secret, now - 60))).toBeNull();
    expect(await totpStep(secret, oathtool(secret, now + 60))).toBeNull();
    expect(await totpStep(secret, oathtool(secret, now), step)).toBeNull();
    expect(await totpStep(secret, oathtool(secret, now + 30), step)).toBe(step + 1);
  });

  it('builds an otpauth URL that names the issuer and the account', () => {
    const url = new URL(otpauthUrl('Acme & Co', 'ada@example.com', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'));
    expect(decodeURIComponent(url.pathname)).toBe('/Acme & Co:ada@example.com');
    expect(url.searchParams.get('issuer')).toBe('Acme & Co');
    expect(url.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  });
});
