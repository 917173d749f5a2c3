import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from './config/config';
import { prepareDatabase } from './database/prepare-database';
import { WorkerModule } from './worker.module';

/** The mail worker as its own process (`npm run worker`), for deployments that set WORKER=off on the API. */
async function main() {
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  const logger = ctx.get(Logger);
  ctx.useLogger(logger);
  ctx.enableShutdownHooks();
  logger.log('mail worker started', 'Worker');
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `worker failed to start: ${err?.stack ?? err}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
