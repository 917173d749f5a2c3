import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { REDIS } from '../redis/redis.module';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { OtpLimitsService } from './otp-limits.service';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The per-IP limit on every route (an app-wide guard) and the OTP send/failure limits. */
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
  providers: [OtpLimitsService, { provide: APP_GUARD, useClass: ApiThrottlerGuard }],
  exports: [OtpLimitsService],
})
export class RateLimitModule {}
