import { DynamicModule, Module } from '@nestjs/common';
import { ApplicationsModule } from './applications/applications.module';
import { AppConfig } from './config/config';
import { CoreModule } from './core.module';
import { SigningKeysModule } from './sessions/signing-keys.module';

/** The operator CLI: PostgreSQL only (no Redis, no queue, no timers, no HTTP). */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [CoreModule.forRoot(config, { level: 'warn' }), ApplicationsModule, SigningKeysModule] };
  }
}
