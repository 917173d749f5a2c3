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
  /** The link works this many seconds after creation (0: at once). */
  coolingOffSeconds: number;
  /** How long it works from then on. */
  ttlMs: number;
  /** Revoke every passkey of the user when the link is redeemed (a reset with a cooling-off period). */
  revokeOnRedeem: boolean;
}

/** When a new link starts and stops working (the database clock decides both). */
export interface RecoveryLinkWindow {
  availableAt: Date;
  expiresAt: Date;
}

/** A link just consumed, with the user it recovers and what its redemption must still do. */
export interface RedeemedLink {
  id: string;
  userId: string;
  externalUserId: string;
  revokeOnRedeem: boolean;
  /** The reset had a cooling-off period: its session end (and revocation) happen now. */
  deferred: boolean;
}

/** Why a link is not usable now. */
export interface RecoveryLinkState {
  used: boolean;
  superseded: boolean;
  cancelled: boolean;
  expired: boolean;
  availableAt: Date;
}
