import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { Processor, RedisOptions, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { AuditModule } from '../audit/audit.module';
import { MailModule } from './mail.module';
import { MailProcessor } from './mail.processor';
import { createMailTransport, MAIL_TRANSPORT } from './mail.transport';

/**
 * A worker takes its connection from the queue it serves, and the mail queue's connection fails
 * fast for the producer. A worker's must instead wait out a Redis outage: BullMQ requires
 * `maxRetriesPerRequest: null` there (it would override it, with a warning), and it keeps the
 * default connect timeout, as the worker always had.
 */
class PatientWorker extends Worker {
  constructor(name: string, processor: Processor, opts: WorkerOptions) {
    const connection: RedisOptions = { ...(opts.connection as RedisOptions), maxRetriesPerRequest: null };
    delete connection.connectTimeout;
    super(name, processor, { ...opts, connection });
  }
}
BullModule.workerClass = PatientWorker;

/** The mail worker: sends queued outbox rows. Imported only where the worker runs (WORKER=inline, or the worker process). */
@Module({
  imports: [MailModule, AuditModule],
  providers: [MailProcessor, { provide: MAIL_TRANSPORT, inject: [CONFIG], useFactory: (config: AppConfig) => createMailTransport(config) }],
})
export class MailWorkerModule {}
