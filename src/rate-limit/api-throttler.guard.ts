import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/api-error';
import { MetricsService } from '../metrics/metrics.service';

/** The general per-IP limit, one counter per client IP across all routes; a 429 carries every header. */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  @Inject(MetricsService) private readonly metrics!: MetricsService;

  protected generateKey(_ctx: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected async throwThrottlingException(ctx: ExecutionContext, d: ThrottlerLimitDetail): Promise<void> {
    this.metrics.rateLimitHits.inc({ limit: 'api_per_ip' });
    const res = ctx.switchToHttp().getResponse<FastifyReply>();
    res.header('X-RateLimit-Limit', d.limit).header('X-RateLimit-Remaining', 0).header('X-RateLimit-Reset', d.timeToBlockExpire);
    throw new ApiError('rate_limit_exceeded', 'Too many requests from this address; slow down.', { limit: 'api_per_ip', retryAfter: d.timeToBlockExpire }, { 'Retry-After': d.timeToBlockExpire });
  }
}
