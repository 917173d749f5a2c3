import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics, including the OTP funnel: sent → delivered → verified / expired / locked. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly collectors: (() => Promise<void>)[] = [];

  readonly otpStarted = new Counter({
    name: 'mellon_otp_start_total',
    help: 'OTP starts accepted (known and unknown accounts alike: the metric must not tell them apart)',
    labelNames: ['purpose'] as const,
    registers: [this.registry],
  });
  readonly otpSent = new Counter({ name: 'mellon_otp_sent_total', help: 'OTP mails enqueued for delivery', labelNames: ['purpose'] as const, registers: [this.registry] });
  readonly otpVerify = new Counter({ name: 'mellon_otp_verify_total', help: 'OTP verifications by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly otpSendToVerify = new Histogram({
    name: 'mellon_otp_send_to_verify_seconds',
    help: 'Time from an OTP start to its successful verification',
    buckets: [5, 15, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly rateLimitHits = new Counter({ name: 'mellon_rate_limit_hits_total', help: 'Requests refused by a rate limit', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly mail = new Counter({
    name: 'mellon_mail_total',
    help: 'Mail delivery outcomes (sent = delivered to the SMTP relay)',
    labelNames: ['template', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly mailLatency = new Histogram({
    name: 'mellon_mail_delivery_seconds',
    help: 'Time from the outbox row being written to the mail being accepted by SMTP',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: 'mellon_mail_queue_jobs', help: 'Mail jobs in the queue by state', labelNames: ['state'] as const, registers: [this.registry] });
  readonly outboxPending = new Gauge({ name: 'mellon_mail_outbox_undelivered', help: 'Outbox rows not yet sent or failed', registers: [this.registry] });

  constructor() {
    // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …) so stock dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }

  /** `collect` refreshes gauges read from elsewhere (queue, outbox) right before each scrape; it should time out on its own. */
  onScrape(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  async render(): Promise<string> {
    await Promise.all(this.collectors.map((c) => c().catch((err: Error) => this.logger.debug(`collector: ${err.message}`))));
    return this.registry.metrics();
  }
}
