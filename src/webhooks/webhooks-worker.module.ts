import { Module } from '@nestjs/common';
import { WebhookProcessor } from './webhook.processor';
import { WebhookSender } from './webhook.sender';
import { WebhooksModule } from './webhooks.module';

/** The webhook worker: sends queued deliveries. Imported only where the worker runs (WORKER=inline, or the worker process). */
@Module({
  imports: [WebhooksModule],
  providers: [WebhookProcessor, WebhookSender],
})
export class WebhooksWorkerModule {}
