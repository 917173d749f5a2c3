import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { ApiError, ServiceUnavailableError } from '../common/api-error';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';

/** The key an existing account's challenges, superseding and failure budget share. */
export const userSubject = (userId: string) => `user:${userId}`;

export interface LimitHeaders {
  'X-RateLimit-Limit': number;
  'X-RateLimit-Remaining': number;
  'X-RateLimit-Reset': number;
}

/** A start's send counters and failure budget, read in one round trip. */
export interface SendCheck {
  headers: LimitHeaders;
  /** The failure subject is over its daily budget (checked before anything is consumed). */
  exhausted: boolean;
}

/**
 * rate-limiter-flexible's fixed window (the same keys, values and expiry as its RateLimiterRedis,
 * which still serves recordFailure and clearFailures) for the three send counters KEYS[1..3],
 * then the failure counter KEYS[4]: a start's whole Redis work in one script call.
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
out[7] = tonumber(redis.call('get', KEYS[4]) or '0')
return out`;

type SendClient = Redis & { mellonOtpSend(u: string, e: string, a: string, f: string, du: number, de: number, da: number): Promise<number[]> };

/**
 * OTP send limits (per user, per canonical email) and the per-user daily failure budget,
 * kept in Redis so every instance shares them. A Redis error fails closed (503).
 */
@Injectable()
export class OtpLimitsService {
  private readonly failures: RateLimiterRedis;
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.prefix = `${config.redisPrefix}:rl:otp`;
    this.failures = new RateLimiterRedis({ storeClient: redis, rejectIfRedisNotReady: true, keyPrefix: `${this.prefix}:fail`, points: config.otpMaxFailuresPerDay, duration: 86400 });
    redis.defineCommand('mellonOtpSend', { numberOfKeys: 4, lua: SEND_SCRIPT });
  }

  /**
   * Counts one send against the user, email and application keys and reads `failureSubject`'s
   * daily failure count, in one script call; throws 429 with headers when a send limit is
   * exhausted. The application ceiling stops one client spraying codes at many accounts.
   */
  async consumeSend(appId: string, subjectKey: string, emailKey: string, failureSubject: string): Promise<SendCheck> {
    this.assertReady();
    const r = await (this.redis as SendClient)
      .mellonOtpSend(`${this.prefix}:user:${appId}:${subjectKey}`, `${this.prefix}:email:${appId}:${emailKey}`, `${this.prefix}:app:${appId}`, this.failureKey(appId, failureSubject), 3600, 3600, 60)
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
    return { headers, exhausted: r[6] >= this.config.otpMaxFailuresPerDay };
  }

  /** Counts a wrong code against the subject's daily budget; true once the budget is exceeded. */
  async recordFailure(appId: string, subjectKey: string): Promise<boolean> {
    const res = await this.consume(this.failures, `${appId}:${subjectKey}`);
    return res.consumedPoints > this.config.otpMaxFailuresPerDay;
  }

  /** Gives the subject its whole daily failure budget back (an app backend unlocking the user). */
  async clearFailures(appId: string, subjectKey: string): Promise<void> {
    await this.failures.delete(`${appId}:${subjectKey}`).catch((err) => {
      throw new ServiceUnavailableError(err);
    });
  }

  async failuresExhausted(appId: string, subjectKey: string): Promise<boolean> {
    this.assertReady();
    const consumed = await this.redis.get(this.failureKey(appId, subjectKey)).catch((err: unknown) => {
      throw new ServiceUnavailableError(err);
    });
    return Number(consumed ?? 0) >= this.config.otpMaxFailuresPerDay;
  }

  /** Like rate-limiter-flexible's rejectIfRedisNotReady: no queueing while Redis is away. */
  private assertReady(): void {
    if (this.redis.status !== 'ready') throw new ServiceUnavailableError(new Error('Redis connection is not ready'));
  }

  private failureKey(appId: string, subjectKey: string): string {
    return this.failures.getKey(`${appId}:${subjectKey}`);
  }

  private async consume(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes> {
    try {
      return await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) return err; // over the limit: the caller decides and sets headers
      throw new ServiceUnavailableError(err);
    }
  }
}
