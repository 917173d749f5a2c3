import { Module, OnModuleInit } from '@nestjs/common';
import { RetentionService } from '../database/retention.service';
import { ReportLinks } from './report-links.service';
import { SecurityReportRepository } from './security-report.repository';

/**
 * The report links security mails carry. No feature dependencies (only Db, CONFIG and Secrets),
 * so MailModule can import it; acting on a report lives in SecurityModule.
 */
@Module({
  providers: [SecurityReportRepository, ReportLinks],
  exports: [SecurityReportRepository, ReportLinks],
})
export class SecurityReportsModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly reports: SecurityReportRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('security_reports', (tx, batch) => this.reports.purgeExpired(tx, batch));
  }
}
