import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { RandomPool } from '../common/random';

/**
 * Every key the service needs is derived from SECRET_KEY with HKDF, one per purpose,
 * so a hash of a code can never be replayed as an encryption key or a token hash.
 */
export class Secrets {
  private readonly codeKey: Buffer;
  private readonly tokenKey: Buffer;
  private readonly encKey: Buffer;
  /** AES-GCM needs a nonce that never repeats under a key; a random 96-bit one from the CSPRNG, drawn in blocks. */
  private readonly nonces = new RandomPool();

  constructor(secretKey: string) {
    const ikm = Buffer.from(secretKey, 'utf8');
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'mellon-recovery', info, 32));
    this.codeKey = derive('otp-code-hmac');
    this.tokenKey = derive('token-hmac');
    this.encKey = derive('payload-aes-256-gcm');
  }

  /** HMAC-SHA256(server secret, challenge id ‖ code), the only form of a code that is stored. */
  hashCode(challengeId: string, code: string): Buffer {
    return createHmac('sha256', this.codeKey).update(challengeId).update('\u0000').update(code).digest();
  }

  /** Keyed hash of an opaque token (link tokens, API keys, sandbox session tokens). */
  hashToken(token: string): Buffer {
    return createHmac('sha256', this.tokenKey).update(token).digest();
  }

  encrypt(plain: string): Buffer {
    const iv = this.nonces.take(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
  }
}

export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
