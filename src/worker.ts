import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { prepareDatabaseOrExplain } from './bootstrap';
import { UnreachableError } from './common/backend-down';
import { ConfigError, loadConfig } from './config/config';
import { exitOnSignal } from './shutdown';
import { WorkerModule } from './worker.module';

/** The mail worker as its own process (`npm run worker`), for deployments that set WORKER=off on the API. */
async function main() {
  const config = loadConfig();
  await prepareDatabaseOrExplain(config);
  const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  const logger = ctx.get(Logger);
  ctx.useLogger(logger);
  exitOnSignal(() => ctx.close(), logger);
  logger.log('mail worker started', 'Worker');
}

main().catch((err) => {
  const known = err instanceof ConfigError || err instanceof UnreachableError;
  process.stderr.write(known ? `${err.message}\n` : `worker failed to start: ${err?.stack ?? err}\n`);
  process.exit(err instanceof ConfigError ? 78 : err instanceof UnreachableError ? 69 : 1);
});
