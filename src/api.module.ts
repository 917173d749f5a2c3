import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ApplicationsModule } from './applications/applications.module';
import { AuditApiModule } from './audit/audit-api.module';
import { AuditModule } from './audit/audit.module';
import { AppConfig } from './config/config';
import { CoreModule } from './core.module';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { LoggingOptions } from './logging/logging.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';
import { MetricsHttpModule } from './metrics/metrics-http.module';
import { MailModule } from './mail/mail.module';
import { OtpModule } from './otp/otp.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RecoveryModule } from './recovery/recovery.module';
import { QueueRootModule } from './redis/queue-root';
import { RedisModule } from './redis/redis.module';
import { SdkModule } from './sdk/sdk.module';
import { SecondFactorModule } from './second-factor/second-factor.module';
import { SecurityModule } from './security/security.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

export interface ApiModuleOptions {
  /** Run the BullMQ mail worker in this process (WORKER=inline). */
  runWorker: boolean;
  logging?: Partial<LoggingOptions>;
}

/** The HTTP service: every route, the outbox relay and retention, and (by default) the mail worker. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, opts: ApiModuleOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        CoreModule.forRoot(config, opts.logging),
        RedisModule,
        QueueRootModule,
        ScheduleModule.forRoot(),
        RateLimitModule,
        AuditModule,
        AuditApiModule,
        ApplicationsModule,
        UsersModule,
        SessionsModule,
        MailModule,
        OtpModule,
        PasskeysModule,
        RecoveryModule,
        SecondFactorModule,
        SecurityModule,
        HealthModule,
        MetricsHttpModule,
        DemoModule,
        SdkModule,
        WebhooksModule,
        ...(opts.runWorker ? [MailWorkerModule, WebhooksWorkerModule] : []),
      ],
    };
  }
}
