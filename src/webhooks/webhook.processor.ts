import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { WEBHOOK_QUEUE, WEBHOOK_RETRY_WINDOW_MS, WebhookJobData } from './webhook.constants';
import { ClaimedDelivery } from './webhook.model';
import { AttemptOutcome, NextState, WebhookDeliveryRepository } from './webhook-delivery.repository';
import { backoffMs } from './webhook-events';
import { WebhookProducer } from './webhook.producer';
import { WebhookSender } from './webhook.sender';
import { signWebhook } from './webhook-signature';
import { RefusedTarget } from './webhook-target';

/** The signed request body: the same bytes on every attempt, so `webhook-id` identifies it. */
export function webhookBody(d: Pick<ClaimedDelivery, 'event' | 'createdAt' | 'payload'>): string {
  return JSON.stringify({ type: d.event, timestamp: new Date(d.createdAt).toISOString(), data: d.payload });
}

/**
 * One job is one attempt. The delivery is claimed by a conditional UPDATE (idempotent: a stale or
 * duplicated job finds nothing); each attempt is recorded, and a failed one schedules the next
 * with backoff and jitter until 24 h after the event. A refused target fails at once.
 */
@Processor(WEBHOOK_QUEUE, { concurrency: 20 })
export class WebhookProcessor extends WorkerHost implements OnApplicationShutdown {
  private readonly logger = new Logger('WebhookWorker');

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly producer: WebhookProducer,
    private readonly sender: WebhookSender,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** In-flight attempts get a few seconds; with Redis away a graceful close can wait forever, so it is then forced (the relay re-drives). */
  async onApplicationShutdown(): Promise<void> {
    await withTimeout(this.worker.close(), 4000, 'worker close').catch(() => this.worker.close(true).catch(() => undefined));
  }

  async process(job: Job<WebhookJobData>): Promise<void> {
    const d = await this.deliveries.claim(job.data.deliveryId, job.data.attempt);
    if (!d) return;
    const body = webhookBody(d);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': d.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(this.secrets.decrypt(d.secretEnc), d.id, timestamp, body) };
    const started = Date.now();
    let outcome: AttemptOutcome;
    let refused = false;
    try {
      const status = await this.sender.post({ url: d.url, mode: d.mode, headers, body });
      outcome = { statusCode: status, error: status >= 200 && status < 300 ? null : `HTTP ${status}`, durationMs: Date.now() - started };
    } catch (err) {
      refused = err instanceof RefusedTarget;
      outcome = { statusCode: null, error: String((err as Error).message).slice(0, 500), durationMs: Date.now() - started };
    }
    const next = this.nextState(d, outcome, refused);
    await this.deliveries.finishAttempt(d.id, d.attempts, outcome, next);
    if (next.status === 'pending') await this.producer.dispatch([{ deliveryId: d.id, attempt: d.attempts }], next.retryInMs);
    if (outcome.error) this.logger.warn(`webhook ${d.id} (${d.event}) attempt ${d.attempts}: ${outcome.error}${next.status === 'failed' ? '; giving up' : ''}`);
    else this.logger.debug(`webhook ${d.id} (${d.event}) delivered on attempt ${d.attempts}`);
  }

  private nextState(d: ClaimedDelivery, outcome: AttemptOutcome, refused: boolean): NextState {
    if (!outcome.error) return { status: 'delivered' };
    if (refused) return { status: 'failed' };
    const left = new Date(d.createdAt).getTime() + WEBHOOK_RETRY_WINDOW_MS - Date.now();
    if (left <= 0) return { status: 'failed' };
    // The last attempt is at the end of the window rather than after it.
    return { status: 'pending', retryInMs: Math.min(left, backoffMs(d.attempts, this.config.webhookBackoffMs)) };
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`worker: ${err.message}`);
  }
}
