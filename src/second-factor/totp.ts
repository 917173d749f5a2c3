import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as every standard authenticator app does it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;

/** A new 160-bit secret, base32 (what authenticator apps and `oathtool -b` take). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUrl(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret, algorithm: 'sha1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S });
}

/**
 * The time step `code` belongs to, accepting the current step and one on either side (clock
 * drift), and only steps after `afterStep` (each step is accepted once); null when it matches none.
 */
export async function totpStep(secret: string, code: string, afterStep?: number): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    epochTolerance: TOTP_PERIOD_S,
    ...(afterStep !== undefined ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
