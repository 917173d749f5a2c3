import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { WEBHOOK_JOB, WEBHOOK_QUEUE, WEBHOOK_RELAY_MS, WebhookJobData } from './webhook.constants';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookOutbox } from './webhook-outbox';

/** One job per attempt; the id makes a re-driven attempt that is still queued a no-op. */
export function jobId(j: WebhookJobData): string {
  return `${j.deliveryId}#${j.attempt}`;
}

/**
 * Hands deliveries to BullMQ: at once for rows written outside a transaction, and through a relay
 * that every second takes committed rows nobody dispatched yet (written in a transaction), and
 * re-drives rows whose job was lost (Redis down or restarted empty).
 */
@Injectable()
export class WebhookProducer implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');
  private relaying = false;

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) readonly queue: Queue<WebhookJobData>,
    private readonly outbox: WebhookOutbox,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {
    this.queue.on('error', () => undefined);
  }

  onModuleInit(): void {
    this.outbox.onDispatch((jobs) => this.dispatch(jobs));
    const timer = setInterval(() => void this.relay(), WEBHOOK_RELAY_MS);
    timer.unref();
    this.scheduler.addInterval('webhook-relay', timer);
  }

  /** Best effort: when Redis refuses, the relay picks the rows up later. */
  async dispatch(jobs: WebhookJobData[], delayMs = 0): Promise<void> {
    await this.enqueue(jobs, delayMs, 1000).catch((err: Error) => this.logger.warn(`enqueue of ${jobs.length} webhook(s) deferred to the relay: ${err.message}`));
  }

  async relay(): Promise<number> {
    if (this.relaying) return 0;
    this.relaying = true;
    try {
      const due = await this.deliveries.takeDue(this.config.outboxRedriveAfterMs);
      if (due.length)
        await this.enqueue(
          due.map((d) => ({ deliveryId: d.id, attempt: d.attempts })),
          0,
          5000,
        );
      return due.length;
    } catch (err) {
      this.logger.warn(`webhook relay: ${(err as Error).message}`);
      return 0;
    } finally {
      this.relaying = false;
    }
  }

  private enqueue(jobs: WebhookJobData[], delayMs: number, timeoutMs: number): Promise<unknown> {
    return withTimeout(this.queue.addBulk(jobs.map((data) => ({ name: WEBHOOK_JOB, data, opts: { jobId: jobId(data), delay: delayMs } }))), timeoutMs, 'Redis');
  }
}
