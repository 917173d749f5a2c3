import { randomBytes, randomInt } from 'node:crypto';

/** A uniform fraction in [0, 1) from the CSPRNG, for retry jitter (never the non-cryptographic generator). */
export function randomFraction(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}

const POOL_BYTES = 4096;

/**
 * CSPRNG bytes handed out from a block drawn 4 KiB at a time, as Node does for `randomUUID`.
 * Each `randomBytes` call is a trip into OpenSSL's generator: under load one per start cost
 * about 5 % of the service's CPU for 12 bytes. Every slice is handed out once; a new block is a
 * new buffer, so a slice never changes after it was taken. Only for values that are unique, not
 * secret (AES-GCM nonces): a secret stays out of a long-lived buffer.
 */
export class RandomPool {
  private block: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly draw: (n: number) => Buffer = randomBytes) {}

  take(n: number): Buffer {
    if (n > POOL_BYTES) return this.draw(n);
    if (this.offset + n > this.block.length) {
      this.block = this.draw(POOL_BYTES);
      this.offset = 0;
    }
    const slice = this.block.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }
}
