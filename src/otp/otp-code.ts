import { randomInt } from 'node:crypto';

/** A uniformly random numeric code from node:crypto (a CSPRNG). */
export function generateCode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}
