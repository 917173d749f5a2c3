export type TokenScope = 'session' | 'recovery' | 'enrollment';
export type Amr = 'email_otp' | 'passkey' | 'recovery_link' | 'app_backend';

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
}

export interface IssuedToken {
  token: string;
  tokenType: 'jwt' | 'sandbox';
  expiresAt: string;
  claims: TokenClaims;
}

export const SANDBOX_PREFIX = 'SANDBOX_SESSION_TOKEN';
