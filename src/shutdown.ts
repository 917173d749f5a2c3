import { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { beginClosing } from './common/http-hardening';

/** SPEC §9.2: a stopping process is gone within 10 s whatever state PostgreSQL and Redis are in. */
export const SHUTDOWN_LIMIT_MS = 9000;
const HTTP_DRAIN_MS = 5000;

/**
 * The API stops accepting, lets requests in flight finish (new requests on kept-alive connections
 * get 503 with `Connection: close`), closes every connection as soon as it is idle, and only then
 * closes the modules (queue, Redis, PostgreSQL) those requests were using.
 */
export async function closeApi(app: NestFastifyApplication): Promise<void> {
  const server = app.getHttpServer();
  const fastify = app.getHttpAdapter().getInstance();
  beginClosing(fastify);
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  try {
    const drained = fastify.close();
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, HTTP_DRAIN_MS)))]);
    clearTimeout(timer);
    server.closeAllConnections();
  } finally {
    clearInterval(sweep);
  }
  await app.close();
}

/**
 * On SIGTERM/SIGINT runs `close` once and exits; if closing has not finished within the limit
 * (a backing service that never answers), exits anyway: the outbox and the queue make that safe.
 */
export function exitOnSignal(close: () => Promise<void>, log: Pick<LoggerService, 'log' | 'warn' | 'error'>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: shutting down`);
    setTimeout(() => {
      log.warn(`shutdown did not finish within ${SHUTDOWN_LIMIT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error(`shutdown: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
