import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { PreparedStatements } from './prepared';
import { RetentionService } from './retention.service';

@Global()
@Module({
  providers: [PreparedStatements, RetentionService],
  exports: [PreparedStatements, RetentionService],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: AppConfig) => ({
        type: 'postgres',
        url: config.databaseUrl,
        autoLoadEntities: true,
        synchronize: false,
        migrationsRun: false,
        retryAttempts: 2,
        retryDelay: 500,
        extra: { max: 20, connectionTimeoutMillis: 2000, statement_timeout: 5000 },
      }),
    }),
  ],
})
export class DatabaseModule {}
