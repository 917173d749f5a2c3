import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { redisReady } from './redis-state';

/**
 * A queue closes with QUIT, which ioredis holds back behind every command queued while Redis is
 * away, so it would never answer. Before the modules close, each queue whose Redis is not reachable
 * is closed by force (disconnect without waiting); the queue's own close later finds it closed.
 */
@Injectable()
export class QueueShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('QueueShutdown');

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    const queues = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is Queue => instance instanceof Queue);
    await Promise.all(
      queues.map(async (queue) => {
        if (await redisReady(queue.backend.client)) return;
        this.logger.warn(`queue ${queue.name}: Redis unreachable, closing without waiting for it`);
        await queue.backend.close(true).catch(() => undefined);
      }),
    );
  }
}
