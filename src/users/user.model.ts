export interface User {
  id: string;
  appId: string;
  externalUserId: string;
  email: string;
  /** trim + NFKC + lowercase of `email`: what email-only sign-in matches. */
  emailNormalized: string;
  locale: string | null;
  /** Set by a "This wasn't me" report: email-OTP treats the user as unknown until the app backend unlocks it. */
  recoveryLocked: boolean;
  /** Tokens of this user issued before this instant are refused everywhere. */
  sessionsValidAfter: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toPublicUser(u: User) {
  return {
    externalUserId: u.externalUserId,
    email: u.email,
    locale: u.locale,
    recoveryLocked: u.recoveryLocked,
    sessionsValidAfter: u.sessionsValidAfter,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}
