import { DynamicModule, Module } from '@nestjs/common';
import { ApplicationsModule } from './applications/applications.module';
import { AuditModule } from './audit/audit.module';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { MailModule } from './mail/mail.module';
import { MetricsModule } from './metrics/metrics.module';
import { OtpModule } from './otp/otp.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RecoveryModule } from './recovery/recovery.module';
import { RedisModule } from './redis/redis.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

export interface AppModuleOptions {
  /** Run the BullMQ mail worker in this process. */
  runWorker: boolean;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, opts: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        RateLimitModule,
        AuditModule,
        ApplicationsModule,
        UsersModule,
        SessionsModule,
        MailModule.forRoot({ runWorker: opts.runWorker }),
        OtpModule,
        PasskeysModule,
        RecoveryModule,
        HealthModule,
        DemoModule,
      ],
    };
  }
}
