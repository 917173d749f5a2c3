/** The security events a "This wasn't me" link can report (SPEC §9.1). */
export type ReportedEvent =
  | 'passkey.registered'
  | 'passkeys.revoked'
  | 'support_reset.created'
  // SPEC §9.4: a second factor added, removed, its recovery codes regenerated, or used in a recovery.
  | 'second_factor.added'
  | 'second_factor.removed'
  | 'second_factor.regenerated'
  | 'second_factor.used';

/** What a security mail reports: the event and what the report must undo (`credentialIds` it added, `recoveryId`). */
export interface ReportedEventInput {
  event: ReportedEvent;
  data: ReportEventData;
}

export interface ReportEventData {
  /** Passkeys the event added (`passkey.registered`) or removed (`passkeys.revoked`). */
  credentialIds?: string[];
  /** The support reset the event started. */
  recoveryId?: string;
  /** The second factor the event concerns. */
  factor?: 'totp' | 'recovery_codes';
  /** The enrollment that added the authenticator app (`second_factor.added`, factor totp). */
  enrollmentId?: string;
  /** The set of recovery codes the event generated (`second_factor.added` / `.regenerated`). */
  setId?: string;
}

export interface NewSecurityReport {
  id: string;
  appId: string;
  userId: string;
  tokenHash: Buffer;
  event: ReportedEvent;
  eventData: ReportEventData;
  occurredAt: Date;
  expiresAt: Date;
}

/** One report link: the event it names, and whether it is still usable. */
export interface SecurityReport {
  id: string;
  appId: string;
  userId: string;
  event: ReportedEvent;
  eventData: ReportEventData;
  occurredAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}
