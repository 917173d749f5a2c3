import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { Transporter } from 'nodemailer';
import { AppConfig } from '../config/config';

export interface OutgoingMail {
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Where mail goes, for the start-up log. */
  readonly description: string;
  /** How many mails it sends at once; the worker takes no more jobs than this at a time. */
  readonly concurrency: number;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** SMTP when `SMTP_URL` is set, else .eml files in `MAIL_DIR`. */
export function createMailTransport(config: AppConfig): MailTransport {
  return config.smtpUrl ? new SmtpTransport(config.smtpUrl) : new FolderTransport(config.mailDir);
}

function message(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${mail.id}@mellon-recovery>`,
    headers: { 'X-Mellon-Delivery-Id': mail.id },
  };
}

/** Pooled SMTP connections unless `SMTP_URL` sets `maxConnections`. */
export const SMTP_POOL_SIZE = 10;

/** SMTP through a pooled nodemailer transport (`SMTP_URL`). */
export class SmtpTransport implements MailTransport {
  readonly description = 'SMTP';
  /** One job per pooled connection: more would only wait inside nodemailer, claimed and built. */
  readonly concurrency: number;
  private readonly transporter: Transporter;

  constructor(url: string) {
    const u = new URL(url);
    u.searchParams.set('pool', 'true');
    if (!u.searchParams.has('maxConnections')) u.searchParams.set('maxConnections', String(SMTP_POOL_SIZE));
    if (!u.searchParams.has('maxMessages')) u.searchParams.set('maxMessages', 'Infinity');
    const connections = Math.floor(Number(u.searchParams.get('maxConnections')));
    this.concurrency = Number.isFinite(connections) && connections >= 1 ? Math.min(connections, 100) : SMTP_POOL_SIZE;
    this.transporter = nodemailer.createTransport(u.toString());
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail(message(mail));
  }

  close(): void {
    this.transporter.close();
  }
}

/** Without SMTP_URL: each mail is written as an .eml file under var/mail/, and its path logged. */
export class FolderTransport implements MailTransport {
  readonly concurrency = SMTP_POOL_SIZE;
  private readonly logger = new Logger('MailFolder');
  private readonly transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get description(): string {
    return `folder ${this.dir}`;
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = await this.transporter.sendMail(message(mail));
    const file = join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`);
    writeFileSync(file, info.message as Buffer, { mode: 0o600 });
    this.logger.log(`mail ${mail.id} written to ${file}`);
  }

  close(): void {
    this.transporter.close();
  }
}
