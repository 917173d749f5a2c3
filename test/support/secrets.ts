import { createHmac, hkdfSync } from 'node:crypto';
import { SECRET_KEY } from './service';

/**
 * The stored form of an OTP, computed here from the test SECRET_KEY as SPEC §5 and
 * src/config/secrets.ts define it (written out again, not imported, so the test checks the code):
 * HMAC-SHA256 keyed with HKDF-SHA256(SECRET_KEY, salt "mellon-recovery", info "otp-code-hmac"),
 * over challenge id, a NUL byte, and the code.
 */
export function codeHmac(challengeId: string, code: string, secretKey = SECRET_KEY): Buffer {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), 'mellon-recovery', 'otp-code-hmac', 32));
  return createHmac('sha256', key).update(`${challengeId}\u0000${code}`).digest();
}
