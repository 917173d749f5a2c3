import { Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { RetentionService } from '../database/retention.service';
import { REDIS } from '../redis/redis.module';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { FailureBudgetRepository } from './failure-budget.repository';
import { FailureBudgetService } from './failure-budget.service';
import { OtpLimitsService } from './otp-limits.service';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The per-IP limit on every route (an app-wide guard), the OTP send limits and the daily failure budget. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateApiPerIpMinute }],
        storage: new RedisThrottlerStorage(redis, config.redisPrefix),
      }),
    }),
  ],
  providers: [OtpLimitsService, FailureBudgetRepository, FailureBudgetService, { provide: APP_GUARD, useClass: ApiThrottlerGuard }],
  exports: [OtpLimitsService, FailureBudgetService],
})
export class RateLimitModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly budgets: FailureBudgetRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('otp_failure_budgets', (tx, batch) => this.budgets.purgeExpired(tx, batch));
  }
}
