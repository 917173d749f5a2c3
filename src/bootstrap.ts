import cors from '@fastify/cors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import 'reflect-metadata';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ApiModule } from './api.module';
import { ApplicationsService } from './applications/applications.service';
import { originAllowed } from './applications/guards';
import { describeUnreachable, isBackendDown, UnreachableError } from './common/backend-down';
import { ErrorFilter } from './common/error.filter';
import { clientErrorHandler, frameworkErrors, installClosingGate, installJsonParser, installNoStore, installUrlLimit } from './common/http-hardening';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/config';
import { prepareDatabase } from './database/prepare-database';
import { createOpenApiDocument } from './openapi/openapi';
import { installRequestIdHeader, requestIdFor } from './logging/request-id';
import { installRequestLogging } from './logging/request-logging';
import { installTemplateBodyLimit } from './mail/template-overrides.http';

export const BODY_LIMIT = 16 * 1024;

/** Builds the HTTP application (not yet listening): migrations, CORS, validation, errors, docs. */
export interface CreateAppOptions {
  /** Defaults to WORKER=inline. */
  runWorker?: boolean;
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream;
}

/**
 * TRUST_PROXY: a hop count trusts that many proxies nearest the service (the last N entries of
 * X-Forwarded-For, as Express does; this Fastify treats a bare number as trusting none); a list
 * trusts exactly those addresses/CIDRs.
 */
function proxyTrust(setting: AppConfig['trustProxy']): false | string[] | ((addr: string, hop: number) => boolean) {
  if (setting === undefined || setting === 0) return false;
  if (typeof setting === 'number') return (_addr, hop) => hop < setting;
  return setting;
}

/** Creates and migrates the database; an unreachable server stops start-up with the variable and address named. */
export async function prepareDatabaseOrExplain(config: AppConfig): Promise<void> {
  await prepareDatabase(config.databaseUrl).catch((err: unknown) => {
    throw isBackendDown(err) ? new UnreachableError(describeUnreachable('DATABASE_URL', config.databaseUrl, err)) : err;
  });
}

export async function createApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  await prepareDatabaseOrExplain(config);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: proxyTrust(config.trustProxy),
    logger: false,
    genReqId: requestIdFor,
    frameworkErrors,
    clientErrorHandler,
    // Our own gate answers during shutdown, in the section-2 shape.
    return503OnClosing: false,
  });
  const fastify = adapter.getInstance();
  // First, so every later hook and the handler run with the request id bound for logging.
  installRequestLogging(fastify, () => PinoLogger.root);
  installRequestIdHeader(fastify);
  installTemplateBodyLimit(fastify);
  installClosingGate(fastify);
  installUrlLimit(fastify);
  installJsonParser(fastify, BODY_LIMIT);
  installNoStore(fastify);
  const root = ApiModule.forRoot(config, { runWorker: opts.runWorker ?? config.worker === 'inline', logging: { destination: opts.logDestination } });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  const filter = new ErrorFilter();
  app.useGlobalFilters(filter);
  app.useGlobalPipes(createValidationPipe());

  const apps = app.get(ApplicationsService);
  // Preflights carry no client id, so every preflight is answered; the actual response gets
  // Access-Control-Allow-Origin only for an origin the calling application allows.
  const base = {
    allowedHeaders: ['X-Client-Id', 'Authorization', 'Content-Type'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
    exposedHeaders: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Request-Id'],
  };
  await app.register(cors as never, () => (req: FastifyRequest, cb: (err: Error | null, o: object) => void) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') return cb(null, { ...base, origin: true });
    const clientId = req.headers['x-client-id'];
    if (!origin || typeof clientId !== 'string') return cb(null, { ...base, origin: false });
    const cached = apps.peekClientId(clientId);
    if (cached !== undefined) return cb(null, { ...base, origin: !!cached && originAllowed(cached, origin) });
    apps.byClientId(clientId).then(
      (found) => cb(null, { ...base, origin: !!found && originAllowed(found, origin) }),
      () => cb(null, { ...base, origin: false }),
    );
  });

  SwaggerModule.setup('docs', app, createOpenApiDocument(app, config.publicUrl), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
}
