export const MAIL_QUEUE = 'mellon-mail';
export const MAIL_JOB = 'deliver';

export type MailTemplate = 'otp-login' | 'otp-recovery' | 'recovery-link' | 'passkey-added' | 'support-reset' | 'passkeys-revoked';

/** The job carries only the delivery id; the code stays encrypted in the outbox row. */
export interface MailJobData {
  deliveryId: string;
}

/** A new row is born queued: it is dispatched right after commit, and the relay re-drives it if that fails. */
export const OUTBOX_QUEUED = { status: "'queued'", queued_at: 'now()' };
