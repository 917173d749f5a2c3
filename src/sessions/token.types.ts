/** `recovery_pending` (SPEC §9.4): an email-proven recovery that still owes the user's second factor. */
export type TokenScope = 'session' | 'recovery' | 'enrollment' | 'recovery_pending';
export type Amr = 'email_otp' | 'passkey' | 'recovery_link' | 'app_backend' | 'totp' | 'recovery_code';

export interface TokenClaims {
  iss: string;
  aud: string;
  sub: string;
  scope: TokenScope;
  amr: Amr[];
  jti: string;
  iat: number;
  exp: number;
  /** Internal user id, so routes need not look the user up again. */
  uid: string;
  mode: 'sandbox' | 'production';
  /** Issue time in milliseconds, compared with the user's sessionsValidAfter (absent on tokens issued before it existed). */
  iat_ms?: number;
  /** On a session that a completed recovery produced: an app may ask for a fresh passkey sign-in before sensitive actions. */
  recovered?: true;
}

/** The claims an app backend sees from `POST /v1/sessions/verify`: internal bookkeeping removed. */
export function publicClaims(claims: TokenClaims) {
  const { uid: _uid, iat_ms: _iatMs, ...rest } = claims;
  return rest;
}

export interface IssuedToken {
  token: string;
  tokenType: 'jwt' | 'sandbox';
  expiresAt: string;
  claims: TokenClaims;
}

export const SANDBOX_PREFIX = 'SANDBOX_SESSION_TOKEN';
