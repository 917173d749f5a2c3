import { BullModule } from '@nestjs/bullmq';
import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { RetentionService } from '../database/retention.service';
import { WEBHOOK_QUEUE } from './webhook.constants';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookOutboxModule } from './webhook-outbox.module';
import { WebhookProducer } from './webhook.producer';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook endpoints (the secret-key API), the queue deliveries go to and the relay that feeds it.
 * Needs `BullModule.forRoot*` and `ScheduleModule.forRoot()` in the process root.
 */
@Module({
  imports: [
    ApplicationsModule,
    WebhookOutboxModule,
    BullModule.registerQueueAsync({
      name: WEBHOOK_QUEUE,
      inject: [CONFIG],
      useFactory: (config: AppConfig) => ({
        // Fail fast: a request must not hang while Redis is away (the relay catches up).
        connection: { url: config.redisUrl, connectTimeout: 2000, maxRetriesPerRequest: 2 },
        // Retries are the processor's (one job per attempt), so BullMQ makes one try per job.
        defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
      }),
    }),
  ],
  controllers: [WebhooksController],
  providers: [WebhookEndpointRepository, WebhookProducer, WebhooksService],
  exports: [WebhookProducer, WebhookOutboxModule],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly deliveries: WebhookDeliveryRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('webhook_deliveries', (tx, batch) => this.deliveries.purgeOld(tx, batch));
  }
}
