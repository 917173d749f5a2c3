import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { RetentionService } from '../database/retention.service';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UserViewService } from '../users/user-view.service';
import { UsersModule } from '../users/users.module';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { SecondFactorAttemptRepository } from './second-factor-attempt.repository';
import { SecondFactorController, SecondFactorRecoveryController } from './second-factor.controller';
import { SecondFactorRecoveryService } from './second-factor-recovery.service';
import { SecondFactorService } from './second-factor.service';
import { TotpRepository } from './totp.repository';

/**
 * SPEC §9.4: authenticator apps and recovery codes, and the recovery step that asks for them.
 * OtpModule imports this one to decide whether a recovery owes a second factor
 * (`SecondFactorService.required`), so this module must not import OtpModule.
 */
@Module({
  imports: [ApplicationsModule, UsersModule, AuditModule, SessionsModule, MailModule, RateLimitModule],
  controllers: [SecondFactorController, SecondFactorRecoveryController],
  providers: [TotpRepository, RecoveryCodeRepository, SecondFactorAttemptRepository, SecondFactorService, SecondFactorRecoveryService],
  exports: [SecondFactorService],
})
export class SecondFactorModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly totp: TotpRepository,
    private readonly attempts: SecondFactorAttemptRepository,
    private readonly factors: SecondFactorService,
    private readonly view: UserViewService,
  ) {}

  onModuleInit(): void {
    this.retention.register('totp_enrollments', (tx, batch) => this.totp.purgeExpiredEnrollments(tx, batch));
    this.retention.register('second_factor_attempts', (tx, batch) => this.attempts.purgeExpired(tx, batch));
    // `GET /v1/users/{id}` shows which second factors the user has (never a secret or a code).
    this.view.register(async (user) => ({ secondFactor: await this.factors.status(user.appId, user.id) }));
  }
}
