import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { PinoLogger } from './common/logger';
import { ConfigError, loadConfig } from './config/config';
import { prepareDatabase } from './database/prepare-database';

/** The mail worker as its own process (`npm run worker`), for deployments that set WORKER=off on the API. */
async function main() {
  const config = loadConfig();
  const logger = new PinoLogger(config.logLevel);
  await prepareDatabase(config.databaseUrl);
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config, { runWorker: true }), { logger });
  ctx.enableShutdownHooks();
  logger.log('mail worker started', 'Worker');
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `worker failed to start: ${err?.stack ?? err}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
