import { Purpose } from './dto/otp.dto';

/** What a start's statement decides about the account it names. */
export const OUTCOMES = ['sent', 'unknown_account', 'recovery_locked', 'budget_spent'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A new challenge, before the statement has looked up whom it is for. */
export interface StartChallenge {
  id: string;
  appId: string;
  purpose: Purpose;
  codeHash: Buffer;
  maxAttempts: number;
  expiresAt: Date;
  /** Who the caller named: the stored address must equal `email` (normalized); with no externalUserId, exactly one user must have it. */
  named: { externalUserId: string | null; email: string };
  /** The challenge's subject when no account matches: the identity the caller named. */
  fallbackSubject: string;
  /** The daily failure budget (a known user over it gets no mail). */
  maxFailures: number;
  /** The audit event's type for each outcome. */
  auditTypes: Record<Outcome, string>;
  /** The mail's locale when the caller asked for one (else the user's own, else the outbox row's). */
  preferredLocale: string | null;
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
  /** The subject's daily failure budget was spent when the attempt was counted. */
  budgetSpent: boolean;
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
