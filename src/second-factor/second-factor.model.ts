/** A TOTP enrollment waiting for its first code (SPEC §9.4); the secret is stored encrypted. */
export interface TotpEnrollment {
  id: string;
  appId: string;
  userId: string;
  secretEnc: Buffer;
  attempts: number;
  expiresAt: Date;
}

/** Why an enrollment took no attempt. */
export interface TotpEnrollmentState {
  finished: boolean;
  expired: boolean;
  attempts: number;
}

/** The user's authenticator app; `lastTimeStep` is the last RFC 6238 step accepted (each is accepted once). */
export interface TotpFactor {
  userId: string;
  appId: string;
  secretEnc: Buffer;
  lastTimeStep: number;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type SecondFactorMethod = 'totp' | 'recovery_code';

/** What the user has, as the API shows it (never a secret or a code). */
export interface SecondFactorStatus {
  totp: { createdAt: Date; lastUsedAt: Date | null } | null;
  recoveryCodes: { remaining: number; createdAt: Date | null };
}
