import { randomInt } from 'node:crypto';

/** A uniform fraction in [0, 1) from the CSPRNG, for retry jitter (nothing in src uses Math.random). */
export function randomFraction(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}
