import request from 'supertest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { Metrics, scrape } from './support/metrics';
import { ADMIN_TOKEN, applicationBody, browser, createApplication, putUser, SECRET_KEY } from './support/service';
import { codeFrom } from './support/smtp';
import { waitFor } from './support/wait';

describe('operator API, CLI, users and tenancy', () => {
  const t = useService('operator');

  it('creates an application with the admin token, shows the secret key once and stores only its hash', async () => {
    const app = await createApplication(t.svc, { name: 'Shop', mode: 'production' });
    expect(app).toMatchObject({ appId: expect.stringMatching(/^app_/), clientId: expect.stringMatching(/^cli_/), secretKey: expect.stringMatching(/^sk_/) });
    const [row] = await sql(t.databaseUrl, `SELECT row_to_json(a)::text AS j FROM applications a WHERE id = $1`, [app.appId]);
    expect(row.j).not.toContain(app.secretKey);
    const list = await t.svc.http().get('/v1/admin/applications').set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(JSON.stringify(list.body)).not.toContain(app.secretKey);
    expect(list.body.applications.map((a: { appId: string }) => a.appId)).toContain(app.appId);
  });

  it('refuses the operator API without the admin token', async () => {
    expectError(await t.svc.http().get('/v1/admin/applications'), 401, 'admin_unauthorized');
    expectError(await t.svc.http().get('/v1/admin/applications').set('authorization', 'Bearer wrong-token-123456'), 401, 'admin_unauthorized');
  });

  it('updates an application and rotates its secret key', async () => {
    const app = await createApplication(t.svc);
    const res = await t.svc.http().patch(`/v1/admin/applications/${app.appId}`).set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ name: 'Renamed', rotateSecretKey: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', secretKey: expect.stringMatching(/^sk_/) });
    expectError(await t.svc.http().get('/v1/users/x').set('authorization', `Bearer ${app.secretKey}`), 401, 'invalid_api_key');
    expectError(await t.svc.http().get('/v1/users/x').set('authorization', `Bearer ${res.body.secretKey}`), 404, 'user_not_found');
  });

  it('commits an operator change only together with its audit event', async () => {
    const app = await createApplication(t.svc, { name: 'Before' });
    const admin = `Bearer ${ADMIN_TOKEN}`;
    // A test-only trigger makes recording the audit event fail, as a full disk or a lost connection would.
    await sql(
      t.databaseUrl,
      `CREATE FUNCTION refuse_operator_audit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.type LIKE 'application.%' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END $$`,
    );
    await sql(t.databaseUrl, `CREATE TRIGGER refuse_operator_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_operator_audit()`);
    try {
      const update = await t.svc.http().patch(`/v1/admin/applications/${app.appId}`).set('authorization', admin).send({ name: 'After', rotateSecretKey: true });
      expect([update.status, update.body.code]).toEqual([500, 'internal_error']);
      const create = await t.svc
        .http()
        .post('/v1/admin/applications')
        .set('authorization', admin)
        .send(applicationBody({ name: 'Unrecorded' }));
      expect([create.status, create.body.code]).toEqual([500, 'internal_error']);
    } finally {
      await sql(t.databaseUrl, `DROP TRIGGER refuse_operator_audit ON audit_events`);
      await sql(t.databaseUrl, `DROP FUNCTION refuse_operator_audit()`);
    }
    const [row] = await sql<{ name: string }>(t.databaseUrl, `SELECT name FROM applications WHERE id = $1`, [app.appId]);
    expect(row.name).toBe('Before');
    expect(await sql(t.databaseUrl, `SELECT id FROM applications WHERE name = 'Unrecorded'`)).toEqual([]);
    // The old secret key still works: the rotation was rolled back with the rest.
    expectError(await t.svc.http().get('/v1/users/x').set('authorization', `Bearer ${app.secretKey}`), 404, 'user_not_found');
  });

  it('refuses a recoveryUrl that is not on an allowed origin', async () => {
    const res = await t.svc
      .http()
      .post('/v1/admin/applications')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ name: 'X', mode: 'sandbox', allowedOrigins: ['https://a.test'], rpId: 'a.test', rpName: 'A', recoveryUrl: 'https://evil.test/r', mailFrom: 'x@a.test' });
    expectError(res, 400, 'invalid_request', { details: [expect.objectContaining({ field: 'recoveryUrl' })] });
  });

  it('keeps users apart per application', async () => {
    const a = await createApplication(t.svc);
    const b = await createApplication(t.svc);
    await putUser(t.svc, a, 'shared-id', 'one@example.com');
    const fromB = await t.svc.http().get('/v1/users/shared-id').set('authorization', `Bearer ${b.secretKey}`);
    expectError(fromB, 404, 'user_not_found');
    await putUser(t.svc, b, 'shared-id', 'two@example.com');
    const fromA = await t.svc.http().get('/v1/users/shared-id').set('authorization', `Bearer ${a.secretKey}`);
    expect(fromA.body).toMatchObject({ externalUserId: 'shared-id', email: 'one@example.com' });
    expect((await t.svc.http().get('/v1/users/shared-id').set('authorization', 'Bearer sk_unknown')).body.code).toBe('invalid_api_key');
  });

  it('filters and pages audit events', async () => {
    const app = await createApplication(t.svc);
    for (let i = 0; i < 5; i++) await putUser(t.svc, app, `u${i}`, `u${i}@example.com`);
    await putUser(t.svc, app, 'u0', 'changed@example.com');
    const auth = { authorization: `Bearer ${app.secretKey}` };
    // Six user events, and before them the operator's application.created.
    const page1 = await t.svc.http().get('/v1/audit-events?limit=4').set(auth);
    expect(page1.body.events).toHaveLength(4);
    expect(page1.body.events[0].type).toBe('user.updated');
    const page2 = await t.svc.http().get(`/v1/audit-events?limit=4&cursor=${page1.body.nextCursor}`).set(auth);
    expect(page2.body.events).toHaveLength(3);
    expect(page2.body.events[2]).toMatchObject({ type: 'application.created', actor: 'operator:api' });
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.events, ...page2.body.events].map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    const u0 = await t.svc.http().get('/v1/audit-events?externalUserId=u0&type=user.created').set(auth);
    expect(u0.body.events).toHaveLength(1);
    expect(u0.body.events[0]).toMatchObject({ type: 'user.created', actor: 'app_backend', externalUserId: 'u0', ip: expect.any(String) });
    expectError(await t.svc.http().get('/v1/audit-events?cursor=!!').set(auth), 400, 'invalid_request');
  });

  it('runs the CLI: apps:create, apps:list, apps:update', async () => {
    const env = { DATABASE_URL: t.databaseUrl, SECRET_KEY, ADMIN_TOKEN, VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-cli-')), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    let out = '';
    const write = (s: string) => (out += s);
    await runCli(
      [
        'apps:create',
        '--name',
        'From CLI',
        '--mode',
        'production',
        '--origin',
        'https://cli.test',
        '--rp-id',
        'cli.test',
        '--rp-name',
        'CLI',
        '--recovery-url',
        'https://cli.test/recover',
        '--mail-from',
        'no-reply@cli.test',
      ],
      env,
      write,
    );
    const created = JSON.parse(out);
    expect(created).toMatchObject({ name: 'From CLI', mode: 'production', secretKey: expect.stringMatching(/^sk_/) });
    out = '';
    await runCli(['apps:update', created.appId, '--name', 'Renamed by CLI'], env, write);
    expect(JSON.parse(out)).toMatchObject({ appId: created.appId, name: 'Renamed by CLI' });
    out = '';
    await runCli(['apps:list'], env, write);
    expect(JSON.parse(out).map((a: { name: string }) => a.name)).toContain('Renamed by CLI');
    await expect(runCli(['apps:create', '--name', 'Bad', '--mode', 'nope'], env, write)).rejects.toThrow(/mode/);
  });
});

describe('ops endpoints', () => {
  const t = useService('ops', { smtp: true });

  it('serves health, metrics with the OTP funnel, JWKS and the OpenAPI document', async () => {
    expect((await t.svc.http().get('/health/live')).body).toEqual({ status: 'ok' });
    expect((await t.svc.http().get('/health/ready')).body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
    expectError(await t.svc.http().get('/metrics'), 404, 'not_found'); // operators scrape METRICS_PORT, not the API port
    const metrics = await request(t.svc.metricsUrl).get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['mellon_otp_sent_total', 'mellon_otp_verify_total', 'mellon_rate_limit_hits_total', 'mellon_mail_queue_jobs', 'mellon_mail_total', 'mellon_otp_send_to_verify_seconds']) {
      expect(metrics.text).toContain(name);
    }
    const jwks = await t.svc.http().get('/.well-known/jwks.json');
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
    expect(jwks.body.keys[0].d).toBeUndefined();
    const doc = await t.svc.http().get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/email-otp/start', '/v1/email-otp/verify', '/v1/users/{externalUserId}', '/v1/sessions/verify']));
    expect((await t.svc.http().get('/docs')).status).toBe(200);
  });

  it('moves each OTP funnel metric by exactly one per event', async () => {
    const app = await createApplication(t.svc);
    await putUser(t.svc, app, 'metered', 'metered@example.com');
    const b = browser(t.svc, app);
    const delta = (before: Metrics, after: Metrics, name: string, labels?: Record<string, string>) => after.value(name, labels) - before.value(name, labels);

    const m0 = await scrape(t.svc);
    const start = await b.start({ email: 'metered@example.com', externalUserId: 'metered' });
    expect(start.status).toBe(202);
    const code = codeFrom(await t.smtp.waitFor('metered@example.com'));
    // The worker counts the delivery once SMTP accepted it, just after the mail arrived here.
    const m1 = await waitFor(async () => {
      const m = await scrape(t.svc);
      expect(delta(m0, m, 'mellon_mail_total', { template: 'otp-login', outcome: 'sent' })).toBe(1);
      return m;
    });
    expect(delta(m0, m1, 'mellon_otp_start_total', { purpose: 'login' })).toBe(1);
    expect(delta(m0, m1, 'mellon_otp_sent_total', { purpose: 'login' })).toBe(1);
    expect(delta(m0, m1, 'mellon_mail_delivery_seconds_count')).toBe(1);

    expect((await b.verify({ challengeId: start.body.challengeId, code: code === '000000' ? '111111' : '000000' })).status).toBe(400);
    const m2 = await scrape(t.svc);
    expect(delta(m1, m2, 'mellon_otp_verify_total', { result: 'invalid_code' })).toBe(1);
    expect(delta(m1, m2, 'mellon_otp_verify_total', { result: 'verified' })).toBe(0);

    expect((await b.verify({ challengeId: start.body.challengeId, code })).status).toBe(200);
    const m3 = await scrape(t.svc);
    expect(delta(m2, m3, 'mellon_otp_verify_total', { result: 'verified' })).toBe(1);
    expect(delta(m2, m3, 'mellon_otp_verify_total', { result: 'invalid_code' })).toBe(0);
    expect(delta(m2, m3, 'mellon_otp_send_to_verify_seconds_count')).toBe(1);

    // 3 sends per user per hour: the 4th start is refused and counted once as a rate-limit hit.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await b.start({ email: 'metered@example.com', externalUserId: 'metered' })).status);
    expect(statuses).toEqual([202, 202, 429]);
    const m4 = await scrape(t.svc);
    expect(delta(m3, m4, 'mellon_rate_limit_hits_total', { limit: 'otp_per_user' })).toBe(1);
    expect(delta(m3, m4, 'mellon_otp_sent_total', { purpose: 'login' })).toBe(2);
  });
});
