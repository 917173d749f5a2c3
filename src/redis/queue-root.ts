import { BullModule } from '@nestjs/bullmq';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';

/** BullMQ's shared connection settings for the roots that produce or process jobs; every key carries REDIS_PREFIX. */
export const QueueRootModule = BullModule.forRootAsync({
  inject: [CONFIG],
  useFactory: (config: AppConfig) => ({ connection: { url: config.redisUrl }, prefix: config.redisPrefix }),
});
