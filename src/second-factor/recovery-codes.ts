import { randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O or U, so a code read aloud or copied by hand survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_COUNT = 10;
const LENGTH = 10;

/** A new code, `XXXXX-XXXXX` (50 bits from the CSPRNG; 256 is a multiple of 32, so each character is uniform). */
export function newRecoveryCode(): string {
  const chars = [...randomBytes(LENGTH)].map((b) => ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** What a user typed, in the form that is hashed: case, spaces and dashes ignored, I/L read as 1 and O as 0. */
export function normalizeRecoveryCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
