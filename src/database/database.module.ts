import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db } from './db';
import { RetentionService } from './retention.service';

/** The PostgreSQL connection (TypeORM keeps the pool and the migrations) and the `Db` every repository uses. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: AppConfig) => ({
        type: 'postgres',
        url: config.databaseUrl,
        synchronize: false,
        migrationsRun: false,
        retryAttempts: 2,
        retryDelay: 500,
        extra: { max: 20, connectionTimeoutMillis: 2000, statement_timeout: 5000 },
      }),
    }),
  ],
  providers: [Db, RetentionService],
  exports: [Db, RetentionService],
})
export class DatabaseModule {}
