import { Purpose } from './dto/otp.dto';

export interface NewChallenge {
  id: string;
  appId: string;
  userId: string | null;
  subject: string;
  purpose: Purpose;
  codeHash: Buffer;
  maxAttempts: number;
  expiresAt: Date;
}

/** A live challenge that has just taken one more attempt. */
export interface ChallengeAttempt {
  codeHash: Buffer;
  attempts: number;
  maxAttempts: number;
  userId: string | null;
  subject: string;
  purpose: Purpose;
  createdAt: Date;
  externalUserId: string | null;
}

/** Why a challenge can no longer take an attempt. */
export interface ChallengeState {
  consumed: boolean;
  superseded: boolean;
  expired: boolean;
  locked: boolean;
  userId: string | null;
  purpose: Purpose;
}
