import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db } from './db';
import { RetentionService } from './retention.service';

/**
 * node-postgres pool settings. `min` = `max`: a connection, once opened, stays open. With the
 * default (close after 10 s idle) a burst after a quiet spell opened up to 20 connections at
 * once, each a new PostgreSQL backend that parses and plans every prepared statement again: the
 * first 250 ms of the bench's 500 starts/s row answered at p50 75 ms, the rest at 8-11 ms.
 */
export function poolOptions(config: Pick<AppConfig, 'dbPoolSize'>) {
  return { max: config.dbPoolSize, min: config.dbPoolSize, connectionTimeoutMillis: 2000, statement_timeout: 5000 };
}

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
        extra: poolOptions(config),
      }),
    }),
  ],
  providers: [Db, RetentionService],
  exports: [Db, RetentionService],
})
export class DatabaseModule {}
