import { Module } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { AuditModule } from '../audit/audit.module';
import { MailModule } from './mail.module';
import { MailProcessor } from './mail.processor';
import { createMailTransport, MAIL_TRANSPORT } from './mail.transport';

/**
 * The mail worker: sends queued outbox rows. Imported only where the worker runs (WORKER=inline,
 * or the worker process). Its BullMQ worker is a `PatientWorker` (src/redis/patient-worker.ts).
 */
@Module({
  imports: [MailModule, AuditModule],
  providers: [MailProcessor, { provide: MAIL_TRANSPORT, inject: [CONFIG], useFactory: (config: AppConfig) => createMailTransport(config) }],
})
export class MailWorkerModule {}
