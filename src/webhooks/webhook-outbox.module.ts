import { Module } from '@nestjs/common';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookOutbox } from './webhook-outbox';

/** Deliveries written with the audit events that cause them. Needs only Db, so AuditModule can import it anywhere. */
@Module({
  providers: [WebhookDeliveryRepository, WebhookOutbox],
  exports: [WebhookDeliveryRepository, WebhookOutbox],
})
export class WebhookOutboxModule {}
