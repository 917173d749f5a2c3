import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from './config/config';
import { CoreModule } from './core.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { MetricsHttpModule } from './metrics/metrics-http.module';
import { QueueRootModule } from './redis/queue-root';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';

/** The mail worker as its own process: PostgreSQL, the queue, the outbox relay and the SMTP transport; no HTTP, no routes. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [CoreModule.forRoot(config), QueueRootModule, ScheduleModule.forRoot(), MailWorkerModule, WebhooksWorkerModule, MetricsHttpModule] };
  }
}
