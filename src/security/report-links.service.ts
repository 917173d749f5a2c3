import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { SqlExecutor } from '../database/db';
import { ReportedEventInput } from './security-report.model';
import { SecurityReportRepository } from './security-report.repository';

export const REPORT_LINK_TTL_MS = 7 * 24 * 3_600_000;

/** The "This wasn't me" page on the service's own public URL; the token travels in the fragment only. */
export function reportLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/report#token=${token}`;
}

/**
 * Creates the single-use report link a security mail carries: 256 random bits, stored only as
 * their keyed hash with the event they report, valid 7 days. Written in the transaction of the
 * event itself, so a mail never names an event that did not commit.
 */
@Injectable()
export class ReportLinks {
  constructor(
    private readonly reports: SecurityReportRepository,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async create(tx: SqlExecutor, appId: string, userId: string, report: ReportedEventInput, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.reports.insert(
      {
        id: randomUUID(),
        appId,
        userId,
        tokenHash: this.secrets.hashToken(token),
        event: report.event,
        eventData: report.data,
        occurredAt: now,
        expiresAt: new Date(now.getTime() + REPORT_LINK_TTL_MS),
      },
      tx,
    );
    return reportLink(this.config.publicUrl, token);
  }
}
