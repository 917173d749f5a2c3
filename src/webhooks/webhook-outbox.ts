import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '../database/db';
import { InsertPart } from '../database/statement';
import { WebhookEvent, WebhookJobData } from './webhook.constants';
import { AuditFacts, webhookData } from './webhook-events';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';

export type Dispatch = (jobs: WebhookJobData[]) => Promise<void>;

/**
 * The write side of webhooks, for AuditService: an event and its deliveries are one statement.
 * It holds no queue (the CLI and the audit log must not need Redis); where the queue exists,
 * WebhookProducer registers how to dispatch. Rows written outside a transaction are dispatched
 * at once; rows written inside one are committed (or not) later, so the relay dispatches them.
 */
@Injectable()
export class WebhookOutbox {
  private dispatch?: Dispatch;

  constructor(private readonly deliveries: WebhookDeliveryRepository) {}

  onDispatch(dispatch: Dispatch): void {
    this.dispatch = dispatch;
  }

  async record(audit: InsertPart, e: AuditFacts, event: WebhookEvent, tx?: SqlExecutor): Promise<void> {
    const now = !tx && this.dispatch !== undefined;
    const ids = await this.deliveries.insertWithEvent(audit, { type: event, data: webhookData(e) }, now, tx);
    if (now && ids.length) await this.dispatch!(ids.map((deliveryId) => ({ deliveryId, attempt: 0 })));
  }
}
