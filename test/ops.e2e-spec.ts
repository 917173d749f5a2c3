import request from 'supertest';
import { runCli } from '../src/cli';
import { Db } from '../src/database/db';
import { RetentionService } from '../src/database/retention.service';
import { MailProducer } from '../src/mail/mail.producer';
import { SigningKeyRepository } from '../src/sessions/signing-key.repository';
import { SigningKeysService } from '../src/sessions/signing-keys.service';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { scrape } from './support/metrics';
import { ADMIN_TOKEN, applicationBody, browser, createApplication, putUser, SECRET_KEY, startService, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { waitFor } from './support/wait';

describe('metrics listener, readiness, signing keys', () => {
  const t = useService('ops_metrics');

  it('serves /metrics on METRICS_PORT only, with standard process metric names', async () => {
    expectError(await t.svc.http().get('/metrics'), 404, 'not_found');
    const m = await scrape(t.svc);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'mellon_otp_sent_total',
      'mellon_mail_queue_jobs',
    ]) {
      expect(m.text).toContain(name);
    }
    expect(m.text).not.toMatch(/^mellon_process_|^mellon_nodejs_/m);
    expect((await request(t.svc.metricsUrl).get('/health/live')).status).toBe(404);
  });

  it('answers a burst of readiness probes from one check', async () => {
    const db = t.svc.app.get(Db);
    const ping = jest.spyOn(db, 'ping');
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => t.svc.http().get('/health/ready')));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(ping.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      ping.mockRestore();
    }
  });

  it('does not reload signing keys from the database for every unknown kid', async () => {
    const keys = t.svc.app.get(SigningKeysService);
    await keys.current();
    const published = jest.spyOn(t.svc.app.get(SigningKeyRepository), 'published');
    try {
      for (let i = 0; i < 50; i++) expect(await keys.byKid(`forged-${i}`)).toBeUndefined();
      expect(published.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      published.mockRestore();
    }
  });
});

describe('client addresses and the per-application OTP ceiling', () => {
  const t = useService('ops_limits', { env: { TRUST_PROXY: '1', RATE_API_PER_IP_MINUTE: '3', RATE_OTP_PER_APP_MINUTE: '3' } });

  it('keys the per-IP limit by the proxy-given address, an IPv6 client by its /64', async () => {
    const from = (xff: string) => t.svc.http().get('/.well-known/jwks.json').set('x-forwarded-for', xff);
    for (const xff of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '9.9.9.9, 2001:db8:1:2::abcd']) expect((await from(xff)).status).toBe(200);
    expectError(await from('2001:db8:1:2::77'), 429, 'rate_limit_exceeded');
    // The client cannot pick its own address: with one trusted hop, only the last entry counts.
    expectError(await from('1.2.3.4, 2001:db8:1:2::5'), 429, 'rate_limit_exceeded');
    expect((await from('2001:db8:1:3::1')).status).toBe(200);
  });

  it('stops an application spraying codes at many addresses', async () => {
    const admin = (r: request.Test) => r.set('authorization', `Bearer ${ADMIN_TOKEN}`).set('x-forwarded-for', '10.0.0.1');
    const res = await admin(t.svc.http().post('/v1/admin/applications')).send(applicationBody({ name: 'Spray', allowedOrigins: ['https://acme.test'] }));
    expect(res.status).toBe(201);
    const start = (i: number) =>
      t.svc
        .http()
        .post('/v1/email-otp/start')
        .set('x-client-id', res.body.clientId)
        .set('x-forwarded-for', `10.1.0.${i}`)
        .send({ email: `victim${i}@example.com` });
    for (let i = 1; i <= 3; i++) {
      const r = await start(i);
      expect({ status: r.status, body: r.body }).toMatchObject({ status: 202 });
    }
    expectError(await start(4), 429, 'rate_limit_exceeded');
  });
});

describe('no-store, bad input, operator audit and retention', () => {
  const t = useService('ops_input', { smtp: true });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
  });

  it('marks token responses and the demo page no-store', async () => {
    await putUser(t.svc, app, 'nora', 'nora@example.com');
    const b = browser(t.svc, app);
    const start = await b.start({ email: 'nora@example.com' });
    const ok = await b.verify({ challengeId: start.body.challengeId, code: codeFrom(await t.smtp.waitFor('nora@example.com')) });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const created = await t.svc
      .http()
      .post('/v1/admin/applications')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send(applicationBody({ name: 'Other', allowedOrigins: ['https://acme.test'] }));
    expect(created.headers['cache-control']).toBe('no-store');
    for (const path of ['/demo', '/demo/', '/report']) expect((await t.svc.http().get(path)).headers['cache-control']).toBe('no-store');
    expect((await t.svc.http().get('/health/live')).headers['cache-control']).toBeUndefined();
  });

  it('answers deep JSON, out-of-range numbers and cursors, long and malformed paths with a section-2 4xx', async () => {
    const deep = '{"email":' + '['.repeat(7000) + ']'.repeat(7000) + '}';
    const res = await t.svc.http().post('/v1/email-otp/start').set('x-client-id', app.clientId).set('content-type', 'application/json').send(deep);
    expectError(res, 400, 'invalid_request');
    const at33 = '{"a":' + '['.repeat(32) + ']'.repeat(32) + '}';
    expectError(await t.svc.http().post('/v1/email-otp/start').set('x-client-id', app.clientId).set('content-type', 'application/json').send(at33), 400, 'invalid_request');
    const audit = (q: string) => t.svc.http().get(`/v1/audit-events?${q}`).set('authorization', `Bearer ${app.secretKey}`);
    for (const q of ['limit=1e400', 'limit=99999999999999999999', 'limit=-1', `cursor=${Buffer.from('9999999999999999999').toString('base64url')}`, 'type=%00', 'externalUserId=a%00b']) {
      const r = await audit(q);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
      expect(r.body).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    }
    expectError(await t.svc.http().get(`/v1/users/${'x'.repeat(5000)}`), 414, 'uri_too_long');
    expectError(
      await t.svc
        .http()
        .get(`/v1/users/${'x'.repeat(150)}`)
        .set('authorization', `Bearer ${app.secretKey}`),
      414,
      'uri_too_long',
    );
    const bad = await t.svc.http().get('/v1/users/%E0%A4%A');
    expectError(bad, 400, 'invalid_request');
    expect(JSON.stringify(bad.body)).not.toMatch(/FST_|Bad Request/);
  });

  it('records operator actions from the API and the CLI as audit events', async () => {
    const patch = await t.svc.http().patch(`/v1/admin/applications/${app.appId}`).set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ name: 'Renamed', rotateSecretKey: true });
    expect(patch.status).toBe(200);
    const env = { NODE_ENV: 'test', DATABASE_URL: t.databaseUrl, SECRET_KEY, ADMIN_TOKEN, VAR_DIR: t.svc.config.varDir };
    await runCli(['apps:update', app.appId, '--name', 'By CLI'], env, () => undefined);
    const events = await sql<{ type: string; actor: string; ip: string | null; data: { fields?: string[] } }>(
      t.databaseUrl,
      `SELECT type, actor, ip, data FROM audit_events WHERE app_id = $1 AND type LIKE 'application.%' ORDER BY id`,
      [app.appId],
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'application.created', actor: 'operator:api', ip: '127.0.0.1' }),
      expect.objectContaining({ type: 'application.updated', actor: 'operator:api', data: { fields: ['name'] } }),
      expect.objectContaining({ type: 'application.secret_rotated', actor: 'operator:api' }),
      expect.objectContaining({ type: 'application.updated', actor: 'operator:cli', data: { fields: ['name'] } }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/sk_/);
  });

  it('purges audit events older than AUDIT_RETENTION (400 days by default)', async () => {
    await sql(t.databaseUrl, `INSERT INTO audit_events (app_id, type, actor, created_at) VALUES ($1, 'old', 'test', now() - interval '401 days'), ($1, 'kept', 'test', now() - interval '399 days')`, [
      app.appId,
    ]);
    const deleted = await t.svc.app.get(RetentionService).purge();
    expect(deleted.audit_events).toBe(1);
    const left = await sql<{ type: string }>(t.databaseUrl, `SELECT type FROM audit_events WHERE type IN ('old','kept')`);
    expect(left).toEqual([{ type: 'kept' }]);
  });
});

describe('mail: live codes only, permanent refusals, stuck rows', () => {
  const t = useService('ops_mail', { smtp: true, runWorker: false, env: { MAIL_ATTEMPTS: '4', MAIL_BACKOFF: '100ms' } });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
  });

  const startWorker = () => startService({ databaseUrl: t.databaseUrl, smtpUrl: t.smtp.url, runWorker: true, env: { MAIL_ATTEMPTS: '4', MAIL_BACKOFF: '100ms' } });

  it('skips an OTP mail whose challenge is no longer live, and sends the live one', async () => {
    await putUser(t.svc, app, 'sam', 'sam@example.com');
    const b = browser(t.svc, app);
    const first = await b.start({ email: 'sam@example.com' });
    const second = await b.start({ email: 'sam@example.com' }); // supersedes the first
    expect([first.status, second.status]).toEqual([202, 202]);
    const worker = await startWorker();
    try {
      await t.smtp.waitFor('sam@example.com');
      const rows = await waitFor(async () => {
        const r = await sql<{ challenge_id: string; status: string }>(t.databaseUrl, `SELECT challenge_id, status FROM mail_outbox WHERE to_address = 'sam@example.com'`);
        expect(r.map((x) => x.status).sort()).toEqual(['sent', 'skipped']);
        return r;
      });
      expect(rows.find((r) => r.status === 'skipped')!.challenge_id).toBe(first.body.challengeId);
      expect(t.smtp.to('sam@example.com')).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('does not retry a permanent SMTP refusal, and re-drives a row stuck in sending after OUTBOX_REDRIVE_AFTER', async () => {
    await putUser(t.svc, app, 'pat', 'pat@example.com');
    t.smtp.refuseCode = 550;
    t.smtp.refuseNext = 10;
    const start = await browser(t.svc, app).start({ email: 'pat@example.com' });
    expect(start.status).toBe(202);
    const worker = await startWorker();
    try {
      const row = await waitFor(async () => {
        const [r] = await sql<{ status: string; attempts: number }>(t.databaseUrl, `SELECT status, attempts FROM mail_outbox WHERE to_address = 'pat@example.com'`);
        expect(r.status).toBe('failed');
        return r;
      });
      expect(row.attempts).toBe(1);
      expect(t.smtp.refused).toBe(1);
      t.smtp.refuseNext = 0;

      // A worker that died mid-send leaves its row in `sending`.
      await putUser(t.svc, app, 'kim', 'kim@example.com');
      await worker.app.get(MailProducer).queue.pause();
      const s2 = await browser(t.svc, app).start({ email: 'kim@example.com' });
      expect(s2.status).toBe(202);
      await sql(t.databaseUrl, `UPDATE mail_outbox SET status = 'sending', updated_at = now() - interval '2 seconds' WHERE to_address = 'kim@example.com'`);
      await worker.app.get(MailProducer).queue.obliterate({ force: true });
      await worker.app.get(MailProducer).queue.resume();
      await t.smtp.waitFor('kim@example.com', 1, 8000);
    } finally {
      t.smtp.refuseCode = 451;
      await worker.close();
    }
  });
});
