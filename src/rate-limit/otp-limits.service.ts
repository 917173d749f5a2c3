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

/**
 * OTP send limits (per user, per canonical email) and the per-user daily failure budget,
 * kept in Redis so every instance shares them. A Redis error fails closed (503).
 */
@Injectable()
export class OtpLimitsService {
  private readonly perUser: RateLimiterRedis;
  private readonly perEmail: RateLimiterRedis;
  private readonly failures: RateLimiterRedis;
  private readonly perApp: RateLimiterRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const base = { storeClient: redis, rejectIfRedisNotReady: true };
    this.perUser = new RateLimiterRedis({ ...base, keyPrefix: `${config.redisPrefix}:rl:otp:user`, points: config.rateOtpPerUserHour, duration: 3600 });
    this.perEmail = new RateLimiterRedis({ ...base, keyPrefix: `${config.redisPrefix}:rl:otp:email`, points: config.rateOtpPerEmailHour, duration: 3600 });
    this.perApp = new RateLimiterRedis({ ...base, keyPrefix: `${config.redisPrefix}:rl:otp:app`, points: config.rateOtpPerAppMinute, duration: 60 });
    this.failures = new RateLimiterRedis({ ...base, keyPrefix: `${config.redisPrefix}:rl:otp:fail`, points: config.otpMaxFailuresPerDay, duration: 86400 });
  }

  /**
   * Counts one send against the user, email and application keys; throws 429 with headers when
   * any is exhausted. The application ceiling stops one client spraying codes at many accounts.
   */
  async consumeSend(appId: string, subjectKey: string, emailKey: string): Promise<LimitHeaders> {
    const [user, email, app] = await Promise.all([this.consume(this.perUser, `${appId}:${subjectKey}`), this.consume(this.perEmail, `${appId}:${emailKey}`), this.consume(this.perApp, appId)]);
    const tightest = [
      { res: user, limit: this.config.rateOtpPerUserHour, name: 'otp_per_user' },
      { res: email, limit: this.config.rateOtpPerEmailHour, name: 'otp_per_email' },
      { res: app, limit: this.config.rateOtpPerAppMinute, name: 'otp_per_app' },
    ].sort((a, b) => a.limit - a.res.consumedPoints - (b.limit - b.res.consumedPoints) || b.res.msBeforeNext - a.res.msBeforeNext)[0];
    const remaining = Math.max(0, tightest.limit - tightest.res.consumedPoints);
    const reset = Math.ceil(tightest.res.msBeforeNext / 1000);
    const headers = { 'X-RateLimit-Limit': tightest.limit, 'X-RateLimit-Remaining': remaining, 'X-RateLimit-Reset': reset };
    if (tightest.res.consumedPoints > tightest.limit) {
      this.metrics.rateLimitHits.inc({ limit: tightest.name });
      throw new ApiError('rate_limit_exceeded', 'Too many codes requested; try again later.', { limit: tightest.name, retryAfter: reset }, { ...headers, 'Retry-After': reset });
    }
    return headers;
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
    const res = await this.failures.get(`${appId}:${subjectKey}`).catch((err) => {
      throw new ServiceUnavailableError(err);
    });
    return !!res && res.consumedPoints >= this.config.otpMaxFailuresPerDay;
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
