// Writes the OpenAPI document without a database or Redis: the application graph is built in
// preview mode (no provider is instantiated, nothing connects). `node dist/src/openapi/write-openapi.js [out]`.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import 'reflect-metadata';
import { ApiModule } from '../api.module';
import { loadConfig } from '../config/config';
import { createOpenApiDocument } from './openapi';

async function main() {
  const out = resolve(process.argv[2] ?? 'dist/openapi.json');
  // Fixed settings: the document depends only on the code (the served /docs names the real PUBLIC_URL).
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    SECRET_KEY: 'openapi-preview-secret-key-0123456789abcdef',
    ADMIN_TOKEN: 'openapi-preview-admin-token',
    VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-openapi-')),
    DEMO_APP: 'off',
    LOG_LEVEL: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config, { runWorker: false }), new FastifyAdapter(), { preview: true, abortOnError: false, logger: false });
  const doc = createOpenApiDocument(app, config.publicUrl);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`OpenAPI document written to ${out} (${Object.keys(doc.paths).length} paths)\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`openapi: ${err?.stack ?? err}\n`);
  process.exit(1);
});
