import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { withTimeout } from '../common/with-timeout';
import { Locale } from '../common/locales';
import { InsertPart, insertSql } from '../database/statement';
import { MAIL_JOB, MAIL_QUEUE, MailJobData, MailTemplate } from './mail.constants';
import { rows as sqlRows } from '../database/sql';

/** A new row is born queued: it is dispatched right after commit, and the relay re-drives it if that fails. */
export const OUTBOX_QUEUED = { status: "'queued'", queued_at: 'now()' };

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

/**
 * Transactional outbox: a mail is a row written in the same transaction as the change that
 * causes it. After commit it is pushed to BullMQ at once; a relay loop re-drives rows whose
 * job never completed (Redis down, or restarted empty), so a Redis outage delays mail but loses none.
 */
@Injectable()
export class MailProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MailOutbox');
  readonly queue: Queue<MailJobData>;
  private relayTimer?: NodeJS.Timeout;
  private relaying = false;
  private pending: string[] = [];
  private flushing?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {
    this.queue = new Queue<MailJobData>(MAIL_QUEUE, {
      connection: { url: config.redisUrl, connectTimeout: 2000, maxRetriesPerRequest: 2 },
      prefix: config.redisPrefix,
      defaultJobOptions: {
        attempts: config.mailAttempts,
        backoff: { type: 'exponential', delay: config.mailBackoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    });
    this.queue.on('error', () => undefined);
  }

  onModuleInit(): void {
    const every = Math.max(500, Math.min(5000, Math.floor(this.config.outboxRedriveAfterMs / 2)));
    this.relayTimer = setInterval(() => void this.relay(), every);
    this.relayTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.relayTimer) clearInterval(this.relayTimer);
    await this.queue.close().catch(() => undefined);
  }

  /** Writes the outbox row inside the caller's transaction; call `dispatch` after it commits. */
  async write(manager: EntityManager, mail: NewMail): Promise<string> {
    const { id, part } = this.row(mail);
    const params: unknown[] = [];
    await manager.query(insertSql(part, params, { literals: OUTBOX_QUEUED }), params);
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
   * Best effort: if Redis refuses, the relay picks the rows up later. Concurrent requests share
   * one addBulk: ids dispatched in the same turn of the event loop go to Redis together.
   */
  dispatch(deliveryIds: string[]): Promise<void> {
    if (!deliveryIds.length) return Promise.resolve();
    this.pending.push(...deliveryIds);
    this.flushing ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = this.pending.splice(0);
        this.flushing = undefined;
        this.enqueue(ids, 1000)
          .catch((err: Error) => this.logger.warn(`enqueue of ${ids.length} mail(s) deferred to the outbox relay: ${err.message}`))
          .finally(resolve);
      }),
    );
    return this.flushing;
  }

  /** One job per delivery, its id the delivery id, so an id already queued is not added twice. */
  private enqueue(deliveryIds: string[], timeoutMs: number): Promise<unknown> {
    return withTimeout(this.queue.addBulk(deliveryIds.map((deliveryId) => ({ name: MAIL_JOB, data: { deliveryId }, opts: { jobId: deliveryId } }))), timeoutMs, 'Redis');
  }

  /** Re-drives rows that were written or queued long ago and are still undelivered. */
  async relay(): Promise<number> {
    if (this.relaying) return 0;
    this.relaying = true;
    try {
      const rows = await sqlRows<{ id: string }>(
        this.db,
        `UPDATE mail_outbox SET queued_at = now(), status = CASE WHEN status = 'sending' THEN 'queued' ELSE status END
         WHERE id IN (
           SELECT id FROM mail_outbox
           WHERE status IN ('pending', 'queued', 'sending') AND created_at > now() - interval '2 days'
             AND COALESCE(queued_at, created_at) < now() - ($1 || ' milliseconds')::interval
             AND (status <> 'sending' OR updated_at < now() - interval '5 minutes')
           ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [String(this.config.outboxRedriveAfterMs)],
      );
      if (rows.length) {
        this.logger.log(`re-driving ${rows.length} undelivered mail(s) from the outbox`);
        await this.enqueue(rows.map((r) => r.id), 5000);
      }
      return rows.length;
    } catch (err) {
      this.logger.warn(`outbox relay: ${(err as Error).message}`);
      return 0;
    } finally {
      this.relaying = false;
    }
  }
}
