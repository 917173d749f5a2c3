import { randomInt } from 'node:crypto';

/** A uniform fraction in [0, 1) from the CSPRNG, for retry jitter (never the non-cryptographic generator). */
export function randomFraction(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}
