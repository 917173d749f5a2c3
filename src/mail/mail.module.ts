import { BullModule } from '@nestjs/bullmq';
import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { RetentionService } from '../database/retention.service';
import { SecurityReportsModule } from '../security/security-reports.module';
import { MAIL_QUEUE } from './mail.constants';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailProducer } from './mail.producer';
import { SandboxOutboxController } from './sandbox-outbox.controller';
import { SecurityMailService } from './security-mail.service';
import { TemplateOverrideRepository } from './template-override.repository';
import { TemplateOverridesController } from './template-overrides.controller';
import { TemplateOverridesService } from './template-overrides.service';
import { TemplatesService } from './templates.service';

/**
 * The producer side of mail: outbox rows, the queue they are dispatched to, the relay that
 * re-drives them, and the sandbox outbox. Needs `BullModule.forRoot*` and `ScheduleModule.forRoot()`
 * in the process root. `TemplatesService` and `MailOutboxRepository` are exported for MailWorkerModule.
 */
@Module({
  imports: [
    ApplicationsModule,
    AuditModule,
    SecurityReportsModule,
    BullModule.registerQueueAsync({
      name: MAIL_QUEUE,
      inject: [CONFIG],
      useFactory: (config: AppConfig) => ({
        // Fail fast: a request that dispatches mail must not hang while Redis is away (the relay catches up).
        connection: { url: config.redisUrl, connectTimeout: 2000, maxRetriesPerRequest: 2 },
        defaultJobOptions: {
          attempts: config.mailAttempts,
          backoff: { type: 'exponential', delay: config.mailBackoffMs },
          removeOnComplete: true,
          removeOnFail: true,
        },
      }),
    }),
  ],
  controllers: [SandboxOutboxController, TemplateOverridesController],
  providers: [MailOutboxRepository, MailProducer, SecurityMailService, TemplatesService, TemplateOverrideRepository, TemplateOverridesService],
  exports: [MailProducer, SecurityMailService, TemplatesService, MailOutboxRepository],
})
export class MailModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly outbox: MailOutboxRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('mail_outbox', (tx, batch) => this.outbox.purgeOld(tx, batch));
  }
}
