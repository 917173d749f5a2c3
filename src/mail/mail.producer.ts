import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Locale } from '../common/locales';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { SqlExecutor } from '../database/db';
import { InsertPart } from '../database/statement';
import { MetricsService } from '../metrics/metrics.service';
import { JITTERED, MAIL_JOB, MAIL_QUEUE, MailJobData, MailTemplate } from './mail.constants';
import { MailOutboxRepository } from './mail-outbox.repository';

export { OUTBOX_QUEUED } from './mail.constants';

export interface NewMail {
  appId: string;
  userId: string | null;
  challengeId?: string | null;
  template: MailTemplate;
  locale: Locale;
  to: string;
  /** Template data; encrypted at rest because it may hold a code or a link token. */
  data: Record<string, unknown>;
}

/** Half the re-drive age, so a stale row waits at most 1.5 times it; within 0.5–5 s. */
export function relayPeriodMs(redriveAfterMs: number): number {
  return Math.max(500, Math.min(5000, Math.floor(redriveAfterMs / 2)));
}

/**
 * Transactional outbox: a mail is a row written in the same transaction as the change that
 * causes it. After commit it is pushed to BullMQ at once; a relay loop re-drives rows whose
 * job never completed (Redis down, or restarted empty), so a Redis outage delays mail but loses none.
 */
@Injectable()
export class MailProducer implements OnModuleInit {
  private readonly logger = new Logger('MailOutbox');
  private relaying = false;
  private pending: string[] = [];
  private flushing?: Promise<void>;

  constructor(
    @InjectQueue(MAIL_QUEUE) readonly queue: Queue<MailJobData>,
    private readonly outbox: MailOutboxRepository,
    private readonly secrets: Secrets,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    // Redis being away is handled where the queue is used; an unheard 'error' event would crash the process.
    this.queue.on('error', () => undefined);
  }

  onModuleInit(): void {
    const timer = setInterval(() => void this.relay(), relayPeriodMs(this.config.outboxRedriveAfterMs));
    timer.unref();
    this.scheduler.addInterval('mail-outbox-relay', timer);
    this.metrics.onScrape(async () => {
      const [counts, outbox] = await Promise.all([
        withTimeout(this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1000).catch(() => null),
        withTimeout(this.undelivered(), 1000).catch(() => null),
      ]);
      if (counts) for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ state }, n);
      if (outbox !== null) this.metrics.outboxPending.set(outbox);
    });
  }

  /** Writes the outbox row inside the caller's transaction; call `dispatch` after it commits. */
  async write(tx: SqlExecutor, mail: NewMail): Promise<string> {
    const { id, part } = this.row(mail);
    await this.outbox.insert(part, tx);
    return id;
  }

  /** The outbox row as an insert (with `literals: OUTBOX_QUEUED`), for callers that fold it into one statement. */
  row(mail: NewMail): { id: string; part: InsertPart } {
    const id = randomUUID();
    return {
      id,
      part: {
        table: 'mail_outbox',
        columns: ['id', 'app_id', 'user_id', 'challenge_id', 'template', 'locale', 'to_address', 'payload_enc'],
        values: [id, mail.appId, mail.userId, mail.challengeId ?? null, mail.template, mail.locale, mail.to, this.secrets.encrypt(JSON.stringify(mail.data))],
      },
    };
  }

  /**
   * Best effort: if Redis refuses, the relay picks the rows up later. The enqueue runs after the
   * current turn of the event loop (after the answer that caused the mail has been written); ids
   * dispatched in the same turn are sent together.
   */
  dispatch(deliveryIds: string[]): Promise<void> {
    if (!deliveryIds.length) return Promise.resolve();
    this.pending.push(...deliveryIds);
    this.flushing ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = this.pending.splice(0);
        this.flushing = undefined;
        this.enqueueEach(ids, 1000)
          .catch((err: Error) => this.logger.warn(`enqueue of ${ids.length} mail(s) deferred to the outbox relay: ${err.message}`))
          .finally(resolve);
      }),
    );
    return this.flushing;
  }

  /** Outbox rows not yet sent or failed for good (a metrics gauge). */
  undelivered(): Promise<number> {
    return this.outbox.countUndelivered();
  }

  /** Re-drives rows that were written or queued long ago and are still undelivered. */
  async relay(): Promise<number> {
    if (this.relaying) return 0;
    this.relaying = true;
    try {
      const ids = await this.outbox.takeStale(this.config.outboxRedriveAfterMs);
      if (ids.length) {
        this.logger.log(`re-driving ${ids.length} undelivered mail(s) from the outbox`);
        await this.enqueueBulk(ids, 5000);
      }
      return ids.length;
    } catch (err) {
      this.logger.warn(`outbox relay: ${(err as Error).message}`);
      return 0;
    } finally {
      this.relaying = false;
    }
  }

  /**
   * One `add` per delivery. For the few ids a request turn dispatches this costs half the CPU of
   * `addBulk`, whose ioredis pipeline copies every BullMQ script onto itself on creation
   * (0.05 against 0.12 ms per job for one id; docs/operations.md "Capacity").
   */
  private enqueueEach(deliveryIds: string[], timeoutMs: number): Promise<unknown> {
    return withTimeout(Promise.all(deliveryIds.map((id) => this.queue.add(MAIL_JOB, { deliveryId: id }, this.jobOptions(id)))), timeoutMs, 'Redis');
  }

  /** The relay's re-drive: possibly many ids, in one pipeline. */
  private enqueueBulk(deliveryIds: string[], timeoutMs: number): Promise<unknown> {
    return withTimeout(this.queue.addBulk(deliveryIds.map((id) => ({ name: MAIL_JOB, data: { deliveryId: id }, opts: this.jobOptions(id) }))), timeoutMs, 'Redis');
  }

  /** One job per delivery, its id the delivery id, so an id already queued is not added twice. */
  private jobOptions(deliveryId: string) {
    return { jobId: deliveryId, backoff: { type: JITTERED, delay: this.config.mailBackoffMs } };
  }
}
