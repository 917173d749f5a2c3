/** A support-initiated recovery: a single-use link token, stored only as its keyed hash. */
export interface NewRecoveryLink {
  id: string;
  appId: string;
  userId: string;
  tokenHash: Buffer;
  actor: string;
  reason: string;
  delivery: 'email' | 'link';
  revokedCount: number;
  expiresAt: Date;
}

/** A link just consumed, with the user it recovers. */
export interface RedeemedLink {
  id: string;
  userId: string;
  externalUserId: string;
}

/** Why a link is no longer live. */
export interface RecoveryLinkState {
  used: boolean;
  superseded: boolean;
}
