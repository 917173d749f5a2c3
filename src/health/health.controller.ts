import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { Db } from '../database/db';
import { withTimeout } from '../common/with-timeout';
import { MailProducer } from '../mail/mail.producer';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';

@ApiTags('public')
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: MetricsService,
    private readonly mail: MailProducer,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.db.ping(), 2000).then(
        () => 'up',
        () => 'down',
      ),
      withTimeout(this.redis.ping(), 2000).then(
        () => 'up',
        () => 'down',
      ),
    ]);
    const ok = postgres === 'up' && redis === 'up';
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus() {
    const [counts, outbox] = await Promise.all([
      withTimeout(this.mail.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1000).catch(() => null),
      withTimeout(this.mail.undelivered(), 1000).catch(() => null),
    ]);
    if (counts) for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ state }, n);
    if (outbox !== null) this.metrics.outboxPending.set(outbox);
    return this.metrics.registry.metrics();
  }
}
