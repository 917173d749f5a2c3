import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { describeUnreachable } from '../common/backend-down';
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
    // Commands issued in the same tick (several limit checks of one request, and of concurrent
    // requests) share one round trip.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', () => undefined); // reconnects by itself; requests see the failure
  return client;
}

/**
 * Start-up waits (briefly) for the connection, so the first requests after start do not fail
 * for want of it; if Redis is down the service still starts and answers 503 until it is back.
 */
async function connected(client: Redis, url: string, timeoutMs: number): Promise<Redis> {
  if (client.status === 'ready') return client;
  let lastError: unknown = 'no answer';
  const onError = (err: unknown) => (lastError = err);
  client.on('error', onError);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
  client.off('error', onError);
  if ((client.status as string) !== 'ready') new Logger('Redis').warn(`${describeUnreachable('REDIS_URL', url, lastError)}; starting anyway, answering 503 until it is back`);
  return client;
}

@Global()
@Module({
  providers: [{ provide: REDIS, inject: [CONFIG], useFactory: (config: AppConfig) => connected(createFailFastRedis(config.redisUrl, 'mellon-api'), config.redisUrl, 3000) }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
