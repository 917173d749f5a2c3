import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { RetentionService } from '../database/retention.service';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SecondFactorModule } from '../second-factor/second-factor.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { OtpChallengeRepository } from './otp-challenge.repository';
import { OtpController } from './otp.controller';
import { OtpService } from './otp.service';

@Module({
  imports: [ApplicationsModule, UsersModule, AuditModule, SessionsModule, RateLimitModule, MailModule, SecondFactorModule],
  controllers: [OtpController],
  providers: [OtpChallengeRepository, OtpService],
  // The security report supersedes a frozen user's live challenges.
  exports: [OtpChallengeRepository],
})
export class OtpModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly challenges: OtpChallengeRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('otp_challenges', (tx, batch) => this.challenges.purgeExpired(tx, batch));
  }
}
