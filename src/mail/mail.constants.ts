export const MAIL_QUEUE = 'mellon-mail';
export const MAIL_JOB = 'deliver';

export type MailTemplate = 'otp-login' | 'otp-recovery' | 'recovery-link' | 'passkey-added' | 'support-reset' | 'passkeys-revoked';

/** The job carries only the delivery id; the code stays encrypted in the outbox row. */
export interface MailJobData {
  deliveryId: string;
}
