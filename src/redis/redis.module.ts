import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';

export const REDIS = Symbol('REDIS');

/**
 * Commands fail at once while Redis is unreachable (no offline queue), so a request that
 * needs a shared counter answers 503 instead of hanging or passing unchecked.
 */
export function createFailFastRedis(url: string, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', () => undefined); // reconnects by itself; requests see the failure
  return client;
}

@Global()
@Module({
  providers: [{ provide: REDIS, inject: [CONFIG], useFactory: (config: AppConfig) => createFailFastRedis(config.redisUrl, 'mellon-api') }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
