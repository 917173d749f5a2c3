import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { maskEmail } from '../common/email';
import { pickLocale } from '../common/locales';
import { MetricsService } from '../metrics/metrics.service';
import { MAIL_QUEUE, MailJobData, MailTemplate } from './mail.constants';
import { FolderTransport, MailTransport, SmtpTransport } from './mail.transport';
import { TemplatesService } from './templates.service';
import { rows as sqlRows } from '../database/sql';

export const RUN_MAIL_WORKER = Symbol('RUN_MAIL_WORKER');

interface ClaimedRow {
  id: string;
  template: MailTemplate;
  locale: string;
  to_address: string;
  payload_enc: Buffer;
  mail_from: string;
  app_name: string;
  created_at: Date;
}

/**
 * Sends one outbox row per job. Idempotent by delivery id: the row is claimed with a conditional
 * UPDATE, so a re-driven or duplicated job never sends twice; the final state is written back.
 */
@Injectable()
export class MailProcessor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  private worker?: Worker<MailJobData>;
  private readonly transport: MailTransport;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: Secrets,
    private readonly templates: TemplatesService,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(RUN_MAIL_WORKER) private readonly run: boolean,
  ) {
    this.transport = config.smtpUrl ? new SmtpTransport(config.smtpUrl) : new FolderTransport(config.mailDir);
  }

  onModuleInit(): void {
    if (!this.run) return;
    this.worker = new Worker<MailJobData>(MAIL_QUEUE, (job) => this.process(job), {
      connection: { url: this.config.redisUrl, maxRetriesPerRequest: null },
      prefix: this.config.redisPrefix,
      concurrency: 50,
    });
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
    this.worker.on('failed', (job, err) => void this.onFailed(job, err));
    this.logger.log(`mail worker running (${this.config.smtpUrl ? 'SMTP' : `folder ${this.config.mailDir}`})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    this.transport.close();
  }

  async process(job: Job<MailJobData>): Promise<void> {
    const rows = await sqlRows<ClaimedRow>(
      this.db,
      `UPDATE mail_outbox o SET status = 'sending', attempts = o.attempts + 1, updated_at = now()
       FROM applications a
       WHERE o.id = $1 AND a.id = o.app_id AND o.status IN ('pending', 'queued')
       RETURNING o.id, o.template, o.locale, o.to_address, o.payload_enc, a.mail_from, a.name AS app_name, o.created_at`,
      [job.data.deliveryId],
    );
    const row = rows[0];
    if (!row) return; // already sent, being sent, failed for good, or unknown: nothing to do
    try {
      const data = JSON.parse(this.secrets.decrypt(row.payload_enc)) as Record<string, unknown>;
      const mail = this.templates.render(row.template, pickLocale(row.locale), { appName: row.app_name, ...data });
      await this.transport.send({ id: row.id, from: row.mail_from, to: row.to_address, ...mail });
      await this.db.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL, updated_at = now() WHERE id = $1`, [row.id]);
      this.metrics.mail.inc({ template: row.template, outcome: 'sent' });
      this.metrics.mailLatency.observe((Date.now() - new Date(row.created_at).getTime()) / 1000);
      this.logger.debug(`mail ${row.id} (${row.template}) sent to ${maskEmail(row.to_address)}`);
    } catch (err) {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? this.config.mailAttempts) || err instanceof UnrecoverableError;
      await this.db
        .query(`UPDATE mail_outbox SET status = $2, last_error = $3, queued_at = now(), updated_at = now() WHERE id = $1`, [
          row.id,
          final ? 'failed' : 'queued',
          String((err as Error).message).slice(0, 500),
        ])
        .catch(() => undefined);
      throw err;
    }
  }

  private async onFailed(job: Job<MailJobData> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? this.config.mailAttempts);
    this.metrics.mail.inc({ template: 'any', outcome: final ? 'failed' : 'retried' });
    this.logger.warn(`mail ${job.data.deliveryId} attempt ${job.attemptsMade} failed${final ? ' for good' : ''}: ${err.message}`);
  }
}
