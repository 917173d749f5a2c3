import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { maskEmail } from '../common/email';
import { pickLocale } from '../common/locales';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { AuditService } from '../audit/audit.service';
import { MetricsService } from '../metrics/metrics.service';
import { jitteredBackoff, MAIL_QUEUE, MailJobData, permanentSmtpRefusal } from './mail.constants';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MAIL_TRANSPORT, MailTransport, SMTP_POOL_SIZE } from './mail.transport';
import { TemplatesService } from './templates.service';

/**
 * Sends one outbox row per job. Idempotent by delivery id: the row is claimed with a conditional
 * UPDATE, so a re-driven or duplicated job never sends twice; the final state is written back.
 */
// A job whose worker died (SIGKILL) stays locked as active until BullMQ declares it stalled; short
// locks (renewed every 2.5 s while a worker lives) let the relay's re-add deliver it within seconds.
// Concurrency is set to the transport's (the SMTP pool size) once the worker exists.
@Processor(MAIL_QUEUE, { concurrency: SMTP_POOL_SIZE, lockDuration: 5000, stalledInterval: 5000, settings: { backoffStrategy: jitteredBackoff } })
export class MailProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  /** Delivery ids the SMTP server accepted whose 'sent' mark is still to be written. */
  private readonly unmarked = new Set<string>();

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly secrets: Secrets,
    private readonly templates: TemplatesService,
    private readonly metrics: MetricsService,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    super();
  }

  onModuleInit(): void {
    this.logger.log(`mail worker running (${this.transport.description})`);
  }

  /**
   * No more jobs at once than the transport sends at once. A job beyond the SMTP pool's
   * connections would only be claimed, rendered and built into MIME, then wait inside nodemailer;
   * in the inline worker those bursts of work delay the API's answers (open loop at 500 starts/s:
   * p50 13-14 ms with 50 at once, 9-10 ms with 10; docs/operations.md "Capacity").
   */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.transport.concurrency;
  }

  /** In-flight sends get up to 4 s to finish before the transport closes, Redis or not (PatientWorker bounds the close). */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.close().catch(() => undefined);
    this.transport.close();
  }

  async process(job: Job<MailJobData>): Promise<void> {
    // Accepted by SMTP on an earlier attempt of this job, but the 'sent' mark could not be written.
    if (this.unmarked.has(job.data.deliveryId)) return this.markSent(job.data.deliveryId);
    const row = await this.outbox.claim(job.data.deliveryId);
    if (!row) return; // already sent, being sent, failed for good, or unknown: nothing to do
    if (row.status === 'skipped') {
      this.metrics.mail.inc({ template: row.template, outcome: 'skipped' });
      this.logger.log(`mail ${row.id} (${row.template}) skipped: its code can no longer be used`);
      return;
    }
    try {
      const data = JSON.parse(this.secrets.decrypt(row.payloadEnc)) as Record<string, unknown>;
      const mail = await this.templates.renderFor(row.appId, row.template, pickLocale(row.locale), { appName: row.appName, ...data });
      await this.transport.send({ id: row.id, from: row.mailFrom, to: row.toAddress, ...mail });
    } catch (caught) {
      // A permanent refusal (5xx: no such mailbox, policy) will not change on retry.
      const err = permanentSmtpRefusal(caught) ? new UnrecoverableError((caught as Error).message) : caught;
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? this.config.mailAttempts) || err instanceof UnrecoverableError;
      await this.outbox.markUnsent(row.id, final ? 'failed' : 'queued', String((err as Error).message).slice(0, 500)).catch(() => undefined);
      if (final) await this.recordFailure(row.id, row.template, (err as Error).message).catch(() => undefined);
      throw err;
    }
    this.metrics.mail.inc({ template: row.template, outcome: 'sent' });
    this.metrics.mailLatency.observe((Date.now() - new Date(row.createdAt).getTime()) / 1000);
    this.logger.debug(`mail ${row.id} (${row.template}) sent to ${maskEmail(row.toAddress)}`);
    // From here a failure is PostgreSQL's, not the mail's. If the mark cannot be written, the job
    // fails and BullMQ retries it with its backoff, and the retry only writes the mark: a short
    // PostgreSQL outage no longer leaves the row 'sending' for the relay to send a second time.
    this.unmarked.add(row.id);
    await this.markSent(row.id);
  }

  private async markSent(id: string): Promise<void> {
    await this.outbox.markSent(id);
    this.unmarked.delete(id);
  }

  /** A mail that failed for good is an audit event, and with it a `mail.failed` webhook. */
  private async recordFailure(id: string, template: string, reason: string): Promise<void> {
    const owner = await this.outbox.owner(id);
    if (!owner) return;
    await this.audit.record({ ...owner, type: 'mail.failed', actor: 'system', data: { mailId: id, template, reason: String(reason).slice(0, 200) } });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<MailJobData> | undefined, err: Error): void {
    if (!job) return;
    if (this.unmarked.has(job.data.deliveryId)) {
      this.logger.warn(`mail ${job.data.deliveryId} was sent; its 'sent' mark waits for PostgreSQL: ${err.message}`);
      return;
    }
    const final = job.attemptsMade >= (job.opts.attempts ?? this.config.mailAttempts) || err instanceof UnrecoverableError;
    this.metrics.mail.inc({ template: 'any', outcome: final ? 'failed' : 'retried' });
    this.logger.warn(`mail ${job.data.deliveryId} attempt ${job.attemptsMade} failed${final ? ' for good' : ''}: ${err.message}`);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`worker: ${err.message}`);
  }
}
