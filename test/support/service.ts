import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';
import { MetricsServer } from '../../src/metrics/metrics.server';
import { closeApi } from '../../src/shutdown';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnop';

export interface ServiceOptions {
  databaseUrl: string;
  redisUrl?: string;
  smtpUrl?: string;
  env?: Record<string, string>;
  runWorker?: boolean;
  /** Listen on this port instead of a free one (a browser test needs PUBLIC_URL to match it). */
  port?: number;
}

export interface Service {
  app: NestFastifyApplication;
  url: string;
  /** The instance's metrics listener (METRICS_PORT, a free port unless the test sets one). */
  metricsUrl: string;
  config: AppConfig;
  /** Every log line the instance wrote. */
  logs: string[];
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/** Boots one real instance of the service on a free port (migrating its database first). */
export async function startService(o: ServiceOptions): Promise<Service> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl ?? 'redis://127.0.0.1:6379',
    SMTP_URL: o.smtpUrl,
    SECRET_KEY,
    ADMIN_TOKEN,
    VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-var-')),
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: 'debug',
    OUTBOX_REDRIVE_AFTER: '1s',
    DEMO_APP: 'off',
    // Test files may run side by side on one Redis: each service gets its own key space, and the
    // per-IP limit (every test request comes from 127.0.0.1) is raised unless a test sets it.
    REDIS_PREFIX: `t${new URL(o.databaseUrl).pathname.slice(-8)}`,
    RATE_API_PER_IP_MINUTE: '100000',
    METRICS_PORT: '0',
    ...o.env,
  });
  const app = await createApp(config, { runWorker: o.runWorker ?? true, logDestination: sink });
  await app.listen({ port: o.port ?? 0, host: '127.0.0.1' });
  const addr = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}`;
  const metricsUrl = `http://127.0.0.1:${app.get(MetricsServer).port}`;
  // Closed as `npm start` closes on SIGTERM: a keep-alive connection (a browser test's Chromium is
  // still open then) is ended once idle, not left to Fastify's 72 s keep-alive timeout.
  return { app, url, metricsUrl, config, logs, http: () => request(url), close: () => closeApi(app) };
}

export interface TestApplication {
  appId: string;
  clientId: string;
  secretKey: string;
  mode: 'sandbox' | 'production';
}

/** A valid `POST /v1/admin/applications` body (a sandbox "Acme" on https://acme.test), with `overrides`. */
export function applicationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Acme',
    mode: 'sandbox',
    allowedOrigins: ['https://acme.test', 'http://localhost:5173'],
    rpId: 'acme.test',
    rpName: 'Acme',
    recoveryUrl: 'https://acme.test/recover',
    mailFrom: 'no-reply@acme.test',
    ...overrides,
  };
}

export async function createApplication(svc: Service, overrides: Record<string, unknown> = {}): Promise<TestApplication> {
  const res = await svc.http().post('/v1/admin/applications').set('authorization', `Bearer ${ADMIN_TOKEN}`).send(applicationBody(overrides));
  if (res.status !== 201) throw new Error(`create application: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as TestApplication;
}

export async function putUser(svc: Service, app: TestApplication, externalUserId: string, email: string, locale?: string) {
  const res = await svc
    .http()
    .put(`/v1/users/${encodeURIComponent(externalUserId)}`)
    .set('authorization', `Bearer ${app.secretKey}`)
    .send({ email, ...(locale ? { locale } : {}) });
  if (res.status !== 200) throw new Error(`put user: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Request helpers that send the browser headers (client id and, by default, an allowed Origin). */
export function browser(svc: Service, app: TestApplication, origin: string | null = 'https://acme.test') {
  const withHeaders = (r: request.Test) => {
    r.set('x-client-id', app.clientId);
    if (origin) r.set('origin', origin);
    return r;
  };
  return {
    start: (body: object) => withHeaders(svc.http().post('/v1/email-otp/start')).send(body),
    verify: (body: object) => withHeaders(svc.http().post('/v1/email-otp/verify')).send(body),
    post: (path: string, body: object, token?: string) => {
      const r = withHeaders(svc.http().post(path));
      if (token) r.set('authorization', `Bearer ${token}`);
      return r.send(body);
    },
    get: (path: string, token?: string) => {
      const r = withHeaders(svc.http().get(path));
      if (token) r.set('authorization', `Bearer ${token}`);
      return r;
    },
  };
}
