import { MailTemplate } from './mail.constants';

/** `skipped`: an OTP mail whose challenge was no longer live when the worker took it (never sent). */
export type OutboxStatus = 'pending' | 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';

/** An outbox row the worker claimed for sending, with the sender details of its application. */
export interface ClaimedMail {
  id: string;
  appId: string;
  template: MailTemplate;
  locale: string;
  toAddress: string;
  /** AES-GCM encrypted template data (it may hold a code or a link token). */
  payloadEnc: Buffer;
  mailFrom: string;
  appName: string;
  createdAt: Date;
  /** `sending`, or `skipped` when the row carried a code that can no longer be used. */
  status: 'sending' | 'skipped';
}

/** An outbox row as the sandbox outbox shows it. */
export interface OutboxMail {
  id: string;
  template: MailTemplate;
  locale: string;
  toAddress: string;
  payloadEnc: Buffer;
  status: OutboxStatus;
  createdAt: Date;
  sentAt: Date | null;
}
