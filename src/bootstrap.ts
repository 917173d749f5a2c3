import cors from '@fastify/cors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import 'reflect-metadata';
import { AppModule } from './app.module';
import { ApplicationsService } from './applications/applications.service';
import { originAllowed } from './applications/guards';
import { ErrorFilter } from './common/error.filter';
import { PinoLogger } from './common/logger';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/config';
import { prepareDatabase } from './database/prepare-database';

export const BODY_LIMIT = 16 * 1024;

function trustProxy(value?: string): boolean | string[] {
  if (!value) return false;
  if (value === 'true' || value === '*') return true;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Builds the HTTP application (not yet listening): migrations, CORS, validation, errors, docs. */
export async function createApp(config: AppConfig, opts: { runWorker?: boolean; logger?: PinoLogger } = {}): Promise<NestFastifyApplication> {
  const logger = opts.logger ?? new PinoLogger(config.logLevel);
  await prepareDatabase(config.databaseUrl);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: trustProxy(config.trustProxy), logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, { runWorker: opts.runWorker ?? config.worker === 'inline' }), adapter, {
    logger,
    bufferLogs: false,
  });
  const filter = new ErrorFilter();
  app.useGlobalFilters(filter);
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (req, reply, done) => {
    // Successful requests at debug: at thousands of requests a second an info line each is real CPU.
    const level = reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'info' : 'debug';
    logger.pino[level]({ method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: req.ip }, 'request');
    done();
  });

  const apps = app.get(ApplicationsService);
  // Preflights carry no client id, so every preflight is answered; the actual response gets
  // Access-Control-Allow-Origin only for an origin the calling application allows.
  await app.register(cors as never, () => (req: FastifyRequest, cb: (err: Error | null, o: object) => void) => {
    const origin = req.headers.origin;
    const base = { allowedHeaders: ['X-Client-Id', 'Authorization', 'Content-Type'], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], maxAge: 600, exposedHeaders: ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'] };
    if (req.method === 'OPTIONS') return cb(null, { ...base, origin: true });
    const clientId = req.headers['x-client-id'];
    if (!origin || typeof clientId !== 'string') return cb(null, { ...base, origin: false });
    apps.byClientId(clientId).then(
      (found) => cb(null, { ...base, origin: !!found && originAllowed(found, origin) }),
      () => cb(null, { ...base, origin: false }),
    );
  });

  const doc = new DocumentBuilder()
    .setTitle('Mellon Recovery')
    .setDescription(
      'Email one-time-code fallback and account recovery for a passkey platform. Errors are `{code, message, ...details}` (SPEC §2). ' +
        'Browser calls send `X-Client-Id`; app backends `Authorization: Bearer sk_…`; operators `Authorization: Bearer $ADMIN_TOKEN`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
