import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { ApiError, ServiceUnavailableError } from '../common/api-error';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';

export interface LimitHeaders {
  'X-RateLimit-Limit': number;
  'X-RateLimit-Remaining': number;
  'X-RateLimit-Reset': number;
}

/**
 * A fixed window per counter (KEYS[1..3], each expiring ARGV[i] seconds after its first send):
 * a start's three send counters in one script call.
 */
const SEND_SCRIPT = `
local out = {}
for i = 1, 3 do
  redis.call('set', KEYS[i], 0, 'EX', ARGV[i], 'NX')
  local n = redis.call('incrby', KEYS[i], 1)
  local ttl = redis.call('pttl', KEYS[i])
  if ttl == -1 then
    redis.call('expire', KEYS[i], ARGV[i])
    ttl = 1000 * ARGV[i]
  end
  out[2 * i - 1] = n
  out[2 * i] = ttl
end
return out`;

type SendClient = Redis & { mellonOtpSend(u: string, e: string, a: string, du: number, de: number, da: number): Promise<number[]> };

/**
 * OTP send limits (per user, per canonical email, per application), kept in Redis so every
 * instance shares them. A Redis error fails closed (503). The daily failure budget is
 * FailureBudgetService's, in PostgreSQL.
 */
@Injectable()
export class OtpLimitsService {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.prefix = `${config.redisPrefix}:rl:otp`;
    redis.defineCommand('mellonOtpSend', { numberOfKeys: 3, lua: SEND_SCRIPT });
  }

  /**
   * Counts one send against the user, email and application keys in one script call; throws 429
   * with headers when one is exhausted. The application ceiling stops one client spraying codes
   * at many accounts.
   */
  async consumeSend(appId: string, subjectKey: string, emailKey: string): Promise<LimitHeaders> {
    // No queueing while Redis is away: a start that cannot count its sends is refused at once.
    if (this.redis.status !== 'ready') throw new ServiceUnavailableError(new Error('Redis connection is not ready'));
    const r = await (this.redis as SendClient)
      .mellonOtpSend(`${this.prefix}:user:${appId}:${subjectKey}`, `${this.prefix}:email:${appId}:${emailKey}`, `${this.prefix}:app:${appId}`, 3600, 3600, 60)
      .catch((err: unknown) => {
        throw new ServiceUnavailableError(err);
      });
    const counters = [
      { consumed: r[0], msBeforeNext: r[1], limit: this.config.rateOtpPerUserHour, name: 'otp_per_user' },
      { consumed: r[2], msBeforeNext: r[3], limit: this.config.rateOtpPerEmailHour, name: 'otp_per_email' },
      { consumed: r[4], msBeforeNext: r[5], limit: this.config.rateOtpPerAppMinute, name: 'otp_per_app' },
    ];
    const tightest = counters.sort((a, b) => a.limit - a.consumed - (b.limit - b.consumed) || b.msBeforeNext - a.msBeforeNext)[0];
    const remaining = Math.max(0, tightest.limit - tightest.consumed);
    const reset = Math.ceil(tightest.msBeforeNext / 1000);
    const headers = { 'X-RateLimit-Limit': tightest.limit, 'X-RateLimit-Remaining': remaining, 'X-RateLimit-Reset': reset };
    if (tightest.consumed > tightest.limit) {
      this.metrics.rateLimitHits.inc({ limit: tightest.name });
      throw new ApiError('rate_limit_exceeded', 'Too many codes requested; try again later.', { limit: tightest.name, retryAfter: reset }, { ...headers, 'Retry-After': reset });
    }
    return headers;
  }
}
