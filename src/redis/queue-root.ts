import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { PatientWorker } from './patient-worker';
import { QueueShutdown } from './queue-shutdown';

// Read when the workers are created (after every module file has loaded), so setting it here covers every processor.
BullModule.workerClass = PatientWorker;

/**
 * BullMQ's shared connection settings for the roots that produce or process jobs (every key
 * carries REDIS_PREFIX), and a shutdown that does not wait for an unreachable Redis.
 */
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: AppConfig) => ({ connection: { url: config.redisUrl }, prefix: config.redisPrefix }),
    }),
  ],
  providers: [QueueShutdown],
})
export class QueueRootModule {}
