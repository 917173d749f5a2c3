import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LoggingModule, LoggingOptions } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';

/** What every process root needs: validated config and secrets, logging, PostgreSQL and metrics. */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, logging: Partial<LoggingOptions> = {}): DynamicModule {
    return {
      module: CoreModule,
      imports: [ConfigModule.forRoot(config), LoggingModule.forRoot({ level: config.logLevel, ...logging }), DatabaseModule, MetricsModule],
    };
  }
}
