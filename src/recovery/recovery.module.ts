import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { RetentionService } from '../database/retention.service';
import { MailModule } from '../mail/mail.module';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { RecoveryLinkRepository } from './recovery-link.repository';
import { RecoveryController, SupportResetController } from './recovery.controller';
import { RecoveryService } from './recovery.service';
import { SupportResetService } from './support-reset.service';

@Module({
  imports: [ApplicationsModule, UsersModule, AuditModule, SessionsModule, MailModule, PasskeysModule],
  controllers: [RecoveryController, SupportResetController],
  providers: [RecoveryLinkRepository, RecoveryService, SupportResetService],
  exports: [SupportResetService],
})
export class RecoveryModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly links: RecoveryLinkRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('recovery_links', (tx, batch) => this.links.purgeExpired(tx, batch));
  }
}
