import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { RetentionService } from '../database/retention.service';
import { AuditEventRepository } from './audit-event.repository';
import { AuditService } from './audit.service';
import { WebhookOutboxModule } from '../webhooks/webhook-outbox.module';

/**
 * Recording audit events, and their retention (AUDIT_RETENTION). Imports nothing, so any module,
 * applications included, can record; the read API is AuditApiModule.
 */
@Module({
  imports: [WebhookOutboxModule],
  providers: [AuditEventRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly events: AuditEventRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.retention.register('audit_events', (tx, batch) => this.events.purgeOlderThan(tx, batch, this.config.auditRetentionMs));
  }
}
