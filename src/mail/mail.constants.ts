import { randomFraction } from '../common/random';

export const MAIL_QUEUE = 'mellon-mail';
export const MAIL_JOB = 'deliver';

export type MailTemplate = 'otp-login' | 'otp-recovery' | 'recovery-link' | 'passkey-added' | 'support-reset' | 'passkeys-revoked' | 'second-factor-changed' | 'second-factor-used';

/** The job carries only the delivery id; the code stays encrypted in the outbox row. */
export interface MailJobData {
  deliveryId: string;
}

/** A new row is born queued: it is dispatched right after commit, and the relay re-drives it if that fails. */
export const OUTBOX_QUEUED = { status: "'queued'", queued_at: 'now()' };

/** The retry policy every mail job names: `MAIL_BACKOFF` doubling per attempt, with jitter. */
export const JITTERED = 'jittered';

/**
 * Equal jitter: a random delay between half and all of the exponential one, so mails that failed
 * together (a relay outage) do not all retry in the same instant.
 */
export function jitteredBackoff(attemptsMade: number, _type?: string, _err?: Error, job?: { opts: { backoff?: number | { delay?: number } } }): number {
  const backoff = job?.opts.backoff;
  const base = (typeof backoff === 'number' ? backoff : backoff?.delay) ?? 1000;
  const full = base * 2 ** Math.max(0, attemptsMade - 1);
  return Math.round(full / 2 + randomFraction() * (full / 2));
}

/** A 5xx SMTP reply (or nodemailer's EENVELOPE with one) is final; 4xx and network errors are worth a retry. */
export function permanentSmtpRefusal(err: unknown): boolean {
  const code = (err as { responseCode?: number })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
