import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { FastifyReply } from 'fastify';
import { isIPv6 } from 'node:net';
import { ApiError } from '../common/api-error';
import { MetricsService } from '../metrics/metrics.service';

/** The general per-IP limit, one counter per client IP across all routes; a 429 carries every header. */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  @Inject(MetricsService) private readonly metrics!: MetricsService;

  /** One IPv6 client usually holds a whole /64; keying by address would give it 2^64 budgets. */
  protected async getTracker(req: Record<string, unknown>): Promise<string> {
    return clientKey(String(req.ip ?? ''));
  }

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

/** The per-IP limit's key: the IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 address. */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
