import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { dropDatabase, freshDatabaseUrl, sql } from './support/database';
import { ADMIN_TOKEN, createApplication, putUser, SECRET_KEY, Service, startService } from './support/service';

describe('operator API, CLI, users and tenancy', () => {
  const databaseUrl = freshDatabaseUrl('operator');
  let svc: Service;

  beforeAll(async () => {
    svc = await startService({ databaseUrl });
  });

  afterAll(async () => {
    await svc.close();
    await dropDatabase(databaseUrl);
  });

  it('creates an application with the admin token, shows the secret key once and stores only its hash', async () => {
    const app = await createApplication(svc, { name: 'Shop', mode: 'production' });
    expect(app).toMatchObject({ appId: expect.stringMatching(/^app_/), clientId: expect.stringMatching(/^cli_/), secretKey: expect.stringMatching(/^sk_/) });
    const [row] = await sql(databaseUrl, `SELECT row_to_json(a)::text AS j FROM applications a WHERE id = $1`, [app.appId]);
    expect(row.j).not.toContain(app.secretKey);
    const list = await svc.http().get('/v1/admin/applications').set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(JSON.stringify(list.body)).not.toContain(app.secretKey);
    expect(list.body.applications.map((a: { appId: string }) => a.appId)).toContain(app.appId);
  });

  it('refuses the operator API without the admin token', async () => {
    expect((await svc.http().get('/v1/admin/applications')).status).toBe(401);
    expect((await svc.http().get('/v1/admin/applications').set('authorization', 'Bearer wrong-token-123456')).status).toBe(401);
  });

  it('updates an application and rotates its secret key', async () => {
    const app = await createApplication(svc);
    const res = await svc.http().patch(`/v1/admin/applications/${app.appId}`).set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ name: 'Renamed', rotateSecretKey: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', secretKey: expect.stringMatching(/^sk_/) });
    expect((await svc.http().get('/v1/users/x').set('authorization', `Bearer ${app.secretKey}`)).status).toBe(401);
    expect((await svc.http().get('/v1/users/x').set('authorization', `Bearer ${res.body.secretKey}`)).status).toBe(404);
  });

  it('refuses a recoveryUrl that is not on an allowed origin', async () => {
    const res = await svc
      .http()
      .post('/v1/admin/applications')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ name: 'X', mode: 'sandbox', allowedOrigins: ['https://a.test'], rpId: 'a.test', rpName: 'A', recoveryUrl: 'https://evil.test/r', mailFrom: 'x@a.test' });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'recoveryUrl' })]);
  });

  it('keeps users apart per application', async () => {
    const a = await createApplication(svc);
    const b = await createApplication(svc);
    await putUser(svc, a, 'shared-id', 'one@example.com');
    const fromB = await svc.http().get('/v1/users/shared-id').set('authorization', `Bearer ${b.secretKey}`);
    expect(fromB.status).toBe(404);
    expect(fromB.body.code).toBe('user_not_found');
    await putUser(svc, b, 'shared-id', 'two@example.com');
    const fromA = await svc.http().get('/v1/users/shared-id').set('authorization', `Bearer ${a.secretKey}`);
    expect(fromA.body).toMatchObject({ externalUserId: 'shared-id', email: 'one@example.com' });
    expect((await svc.http().get('/v1/users/shared-id').set('authorization', 'Bearer sk_unknown')).body.code).toBe('invalid_api_key');
  });

  it('filters and pages audit events', async () => {
    const app = await createApplication(svc);
    for (let i = 0; i < 5; i++) await putUser(svc, app, `u${i}`, `u${i}@example.com`);
    await putUser(svc, app, 'u0', 'changed@example.com');
    const auth = { authorization: `Bearer ${app.secretKey}` };
    const page1 = await svc.http().get('/v1/audit-events?limit=4').set(auth);
    expect(page1.body.events).toHaveLength(4);
    expect(page1.body.events[0].type).toBe('user.updated');
    const page2 = await svc.http().get(`/v1/audit-events?limit=4&cursor=${page1.body.nextCursor}`).set(auth);
    expect(page2.body.events).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.events, ...page2.body.events].map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    const u0 = await svc.http().get('/v1/audit-events?externalUserId=u0&type=user.created').set(auth);
    expect(u0.body.events).toHaveLength(1);
    expect(u0.body.events[0]).toMatchObject({ type: 'user.created', actor: 'app_backend', externalUserId: 'u0', ip: expect.any(String) });
    expect((await svc.http().get('/v1/audit-events?cursor=!!').set(auth)).status).toBe(400);
  });

  it('runs the CLI: apps:create, apps:list, apps:update', async () => {
    const env = { DATABASE_URL: databaseUrl, SECRET_KEY, ADMIN_TOKEN, VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-cli-')), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    let out = '';
    const write = (s: string) => (out += s);
    await runCli(['apps:create', '--name', 'From CLI', '--mode', 'production', '--origin', 'https://cli.test', '--rp-id', 'cli.test', '--rp-name', 'CLI', '--recovery-url', 'https://cli.test/recover', '--mail-from', 'no-reply@cli.test'], env, write);
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
  const databaseUrl = freshDatabaseUrl('ops');
  let svc: Service;

  beforeAll(async () => {
    svc = await startService({ databaseUrl });
  });

  afterAll(async () => {
    await svc.close();
    await dropDatabase(databaseUrl);
  });

  it('serves health, metrics with the OTP funnel, JWKS and the OpenAPI document', async () => {
    expect((await svc.http().get('/health/live')).body).toEqual({ status: 'ok' });
    expect((await svc.http().get('/health/ready')).body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
    const metrics = await svc.http().get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['mellon_otp_sent_total', 'mellon_otp_verify_total', 'mellon_rate_limit_hits_total', 'mellon_mail_queue_jobs', 'mellon_mail_total', 'mellon_otp_send_to_verify_seconds']) {
      expect(metrics.text).toContain(name);
    }
    const jwks = await svc.http().get('/.well-known/jwks.json');
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
    expect(jwks.body.keys[0].d).toBeUndefined();
    const doc = await svc.http().get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/email-otp/start', '/v1/email-otp/verify', '/v1/users/{externalUserId}', '/v1/sessions/verify']));
    expect((await svc.http().get('/docs')).status).toBe(200);
  });
});
