import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { OtpModule } from '../otp/otp.module';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { RecoveryModule } from '../recovery/recovery.module';
import { SecondFactorModule } from '../second-factor/second-factor.module';
import { UsersModule } from '../users/users.module';
import { ReportPageController } from './report-page.controller';
import { loadReportFiles, REPORT_FILES } from './report-page.files';
import { SecurityController } from './security.controller';
import { SecurityReportService } from './security-report.service';
import { SecurityReportsModule } from './security-reports.module';

/** "This wasn't me": the /report page and the API it calls. Nothing imports this module. */
@Module({
  imports: [SecurityReportsModule, ApplicationsModule, UsersModule, AuditModule, PasskeysModule, RecoveryModule, OtpModule, SecondFactorModule],
  controllers: [SecurityController, ReportPageController],
  providers: [SecurityReportService, { provide: REPORT_FILES, useFactory: () => loadReportFiles() }],
})
export class SecurityModule {}
