import { AuditService } from '../src/audit/audit.service';
import { Db } from '../src/database/db';
import { WEBHOOK_EVENTS } from '../src/webhooks/webhook.constants';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { ADMIN_TOKEN, browser, createApplication, putUser, TestApplication } from './support/service';
import { report, reportLinkFrom } from './support/reports';
import { SoftPasskey } from './support/soft-authenticator';
import { expectNothingFor, waitFor } from './support/wait';
import { ReceivedWebhook, WebhookReceiver, webhookVerifier } from './support/webhook-receiver';

const ORIGIN = 'https://acme.test';

/** SPEC §9.3: webhooks an app backend can trust (Standard Webhooks signatures, transactional outbox, retries, SSRF rules). */
describe('webhooks', () => {
  const t = useService('webhooks', { smtp: true, env: { WEBHOOK_BACKOFF: '200ms' } });
  const receiver = new WebhookReceiver();
  let app: TestApplication;
  let endpoint: { id: string; url: string; events: string[]; secret: string; createdAt: string };

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const http = () => t.svc.http();
  const register = (a: TestApplication, body: Record<string, unknown>) => http().post('/v1/webhooks').set('authorization', sk(a)).send(body);
  const deliveries = (a: TestApplication, id: string, query = '') => http().get(`/v1/webhooks/${id}/deliveries${query}`).set('authorization', sk(a));

  /** The requests at `path` carrying event `type`, each verified like a consumer verifies it. */
  function events(path: string, type: string, secret = endpoint.secret): { req: ReceivedWebhook; body: { type: string; timestamp: string; data: Record<string, unknown> } }[] {
    const verify = webhookVerifier(secret);
    return receiver
      .at(path)
      .map((req) => ({ req, body: verify(req.body, req.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> } }))
      .filter((e) => e.body.type === type);
  }
  const one = (path: string, type: string, match: Record<string, unknown>) =>
    waitFor(() => {
      const found = events(path, type).filter((e) => Object.entries(match).every(([k, v]) => e.body.data[k] === v));
      expect(found).toHaveLength(1);
      return found[0];
    });

  async function registerPasskey(a: TestApplication, externalUserId: string): Promise<string> {
    const token = (await http().post(`/v1/users/${externalUserId}/enrollment`).set('authorization', sk(a)).send()).body.token as string;
    const b = browser(t.svc, a, ORIGIN);
    const start = await b.post('/v1/passkeys/register/start', {}, token);
    expect(start.status).toBe(200);
    const finish = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: new SoftPasskey(ORIGIN, 'acme.test').create(start.body.options) }, token);
    expect(finish.status).toBe(201);
    return finish.body.credential.id as string;
  }

  beforeAll(async () => {
    await receiver.start();
    app = await createApplication(t.svc);
    const res = await register(app, { url: `${receiver.url}/hooks` });
    expect(res.status).toBe(201);
    endpoint = res.body;
  });
  afterAll(() => receiver.stop());

  it('registers an endpoint with a Standard Webhooks secret shown once, subscribed to every event by default', async () => {
    expect(endpoint).toEqual({
      id: expect.any(String),
      url: `${receiver.url}/hooks`,
      events: [...WEBHOOK_EVENTS],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      createdAt: expect.any(String),
    });
    expect(Buffer.from(endpoint.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    const list = await http().get('/v1/webhooks').set('authorization', sk(app));
    expect(list.status).toBe(200);
    expect(list.body.webhooks).toEqual([{ id: endpoint.id, url: endpoint.url, events: endpoint.events, createdAt: endpoint.createdAt }]);
    expect(JSON.stringify(list.body)).not.toContain(endpoint.secret.slice(6));
    const [row] = await sql<{ secret_enc: Buffer }>(t.databaseUrl, `SELECT secret_enc FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.secret_enc.toString('latin1')).not.toContain(endpoint.secret.slice(6));

    expectError(await register(app, { url: `${receiver.url}/x`, events: ['otp.sent'] }), 400, 'invalid_request');
    expectError(await register(app, { url: 'ftp://example.com/x' }), 400, 'invalid_request');
    expectError(await http().get('/v1/webhooks').set('authorization', 'Bearer sk_nope'), 401, 'invalid_api_key');
    const other = await createApplication(t.svc, { name: 'Other' });
    expectError(await deliveries(other, endpoint.id), 404, 'not_found');
    expectError(await http().delete(`/v1/webhooks/${endpoint.id}`).set('authorization', sk(other)), 404, 'not_found');
  });

  it('signs each event so the reference library verifies it: support reset created and redeemed, passkey registered and revoked, sessions revoked', async () => {
    await putUser(t.svc, app, 'ada', 'ada@example.com');
    const credentialId = await registerPasskey(app, 'ada');
    const registered = await one('/hooks', 'passkey.registered', { externalUserId: 'ada', credentialId });
    expect(registered.req.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(registered.req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(registered.req.headers['content-type']).toBe('application/json');
    expect(Object.keys(JSON.parse(registered.req.body))).toEqual(['type', 'timestamp', 'data']);
    expect(Date.parse(registered.body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(registered.body.data).toMatchObject({ externalUserId: 'ada', credentialId, via: 'enrollment' });
    // A signature made for another body or another secret does not verify.
    expect(() => webhookVerifier(endpoint.secret)(registered.req.body.replace('ada', 'eve'), registered.req.headers as Record<string, string>)).toThrow();
    expect(() => webhookVerifier(`whsec_${Buffer.alloc(32, 1).toString('base64')}`)(registered.req.body, registered.req.headers as Record<string, string>)).toThrow();

    expect((await http().delete(`/v1/users/ada/credentials/${credentialId}`).set('authorization', sk(app))).status).toBe(200);
    await one('/hooks', 'passkey.revoked', { externalUserId: 'ada', credentialId, reason: 'app_backend' });

    const reset = await http().post('/v1/users/ada/recovery').set('authorization', sk(app)).send({ actor: 'jane@support', reason: 'lost phone', revokeCredentials: 'none', delivery: 'link' });
    expect(reset.status).toBe(201);
    const created = await one('/hooks', 'support_reset.created', { recoveryId: reset.body.recoveryId });
    expect(created.body.data).toMatchObject({ externalUserId: 'ada', actor: 'support:jane@support', reason: 'lost phone', delivery: 'link' });
    const token = new URL(reset.body.link).hash.replace(/^#token=/, '');
    expect((await browser(t.svc, app, ORIGIN).post('/v1/recovery/redeem', { token })).status).toBe(200);
    await one('/hooks', 'support_reset.redeemed', { externalUserId: 'ada', recoveryId: reset.body.recoveryId });

    expect((await http().post('/v1/users/ada/sessions/revoke').set('authorization', sk(app)).send({ actor: 'agent:kim', reason: 'lost laptop' })).status).toBe(200);
    await one('/hooks', 'sessions.revoked', { externalUserId: 'ada', reason: 'lost laptop', actor: 'app_backend:agent:kim' });

    // Every request was a distinct delivery, each logged as delivered on its first attempt.
    const ids = receiver.at('/hooks').map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const log = await deliveries(app, endpoint.id);
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d: { type: string }) => d.type)).toEqual(
      expect.arrayContaining(['passkey.registered', 'passkey.revoked', 'support_reset.created', 'support_reset.redeemed', 'sessions.revoked']),
    );
    for (const d of log.body.deliveries) {
      expect(d).toMatchObject({
        status: 'delivered',
        deliveredAt: expect.any(String),
        nextAttemptAt: null,
        attempts: [{ attempt: 1, statusCode: 200, error: null, durationMs: expect.any(Number), at: expect.any(String) }],
      });
    }
    const page = await deliveries(app, endpoint.id, '?limit=2');
    expect(page.body.deliveries).toHaveLength(2);
    const next = await deliveries(app, endpoint.id, `?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.deliveries[0].id).not.toBe(page.body.deliveries[1].id);
    expect(next.body.deliveries).toEqual(log.body.deliveries.slice(2, 4));
    expectError(await deliveries(app, endpoint.id, '?cursor=bm9wZQ'), 400, 'invalid_request');
  });

  it('announces a "This wasn\'t me" report and the support reset it cancels', async () => {
    await putUser(t.svc, app, 'fay', 'fay@example.com');
    const reset = await http().post('/v1/users/fay/recovery').set('authorization', sk(app)).send({ actor: 'mallory', reason: 'forged', revokeCredentials: 'none', delivery: 'link', coolingOff: '1h' });
    expect(reset.status).toBe(201);
    const { token } = reportLinkFrom(await t.smtp.waitFor('fay@example.com'));
    expect((await report(t.svc, token)).status).toBe(200);
    const reported = await one('/hooks', 'security.reported', { externalUserId: 'fay' });
    expect(reported.body.data).toMatchObject({ cancelledRecoveryIds: [reset.body.recoveryId] });
    await one('/hooks', 'support_reset.cancelled', { externalUserId: 'fay', recoveryId: reset.body.recoveryId, reason: 'security_report' });
  });

  it('reports a mail that failed for good as mail.failed', async () => {
    await putUser(t.svc, app, 'eve', 'eve@example.com');
    t.smtp.refuseCode = 550;
    t.smtp.refuseNext = 1;
    try {
      const reset = await http().post('/v1/users/eve/recovery').set('authorization', sk(app)).send({ actor: 'jane', reason: 'r', revokeCredentials: 'none', delivery: 'link' });
      expect(reset.status).toBe(201);
      const failed = await one('/hooks', 'mail.failed', { externalUserId: 'eve' });
      expect(failed.body.data).toMatchObject({ actor: 'system', template: 'support-reset', mailId: expect.any(String), reason: expect.stringContaining('mailbox unavailable') });
      expect(JSON.stringify(failed.body)).not.toContain('eve@example.com');
    } finally {
      t.smtp.refuseCode = 451;
      t.smtp.refuseNext = 0;
    }
  });

  it('retries a delivery answered 500 with the same webhook-id, and records every attempt', async () => {
    receiver.answer('/flaky', (n) => (n <= 2 ? 500 : 204));
    const flaky = (await register(app, { url: `${receiver.url}/flaky`, events: ['sessions.revoked'] })).body;
    await putUser(t.svc, app, 'bob', 'bob@example.com');
    await http().post('/v1/users/bob/sessions/revoke').set('authorization', sk(app)).send({ actor: 'agent:kim', reason: 'flaky' });

    const requests = await waitFor(() => {
      expect(receiver.at('/flaky')).toHaveLength(3);
      return receiver.at('/flaky');
    });
    const verify = webhookVerifier(flaky.secret);
    for (const r of requests) verify(r.body, r.headers as Record<string, string>);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);

    const log = await waitFor(async () => {
      const res = await deliveries(app, flaky.id);
      expect(res.body.deliveries[0].status).toBe('delivered');
      return res.body.deliveries;
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id: requests[0].headers['webhook-id'], type: 'sessions.revoked' });
    expect(log[0].attempts).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 500, error: 'HTTP 500' }),
      expect.objectContaining({ attempt: 2, statusCode: 500, error: 'HTTP 500' }),
      expect.objectContaining({ attempt: 3, statusCode: 204, error: null }),
    ]);
    // Backoff: the second retry waits about twice the first (200 ms ±20 %, then 400 ms ±20 %).
    const at = log[0].attempts.map((a: { at: string }) => Date.parse(a.at));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(150);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(300);
    expect(receiver.at('/hooks').filter((r) => JSON.parse(r.body).data.reason === 'flaky')).toHaveLength(1);
  });

  it('sends only the events an endpoint subscribed to, and nothing once it is deleted', async () => {
    receiver.answer('/gone', () => 500);
    const gone = (await register(app, { url: `${receiver.url}/gone`, events: ['sessions.revoked'] })).body;
    expect(gone.events).toEqual(['sessions.revoked']);
    await putUser(t.svc, app, 'cy', 'cy@example.com');
    await registerPasskey(app, 'cy');
    await http().post('/v1/users/cy/sessions/revoke').set('authorization', sk(app)).send({ actor: 'a', reason: 'gone' });
    await waitFor(() => expect(receiver.at('/gone').length).toBeGreaterThanOrEqual(1));
    expect(receiver.at('/gone').every((r) => JSON.parse(r.body).type === 'sessions.revoked')).toBe(true);

    expect((await http().delete(`/v1/webhooks/${gone.id}`).set('authorization', sk(app))).status).toBe(204);
    expectError(await http().delete(`/v1/webhooks/${gone.id}`).set('authorization', sk(app)), 404, 'not_found');
    expectError(await deliveries(app, gone.id), 404, 'not_found');
    const seen = receiver.at('/gone').length;
    await http().post('/v1/users/cy/sessions/revoke').set('authorization', sk(app)).send({ actor: 'a', reason: 'after delete' });
    // Retries of the pending delivery were due every 200-800 ms; a second is several of them.
    await expectNothingFor(1500, () => expect(receiver.at('/gone').length).toBe(seen));
    expect((await http().get('/v1/webhooks').set('authorization', sk(app))).body.webhooks.map((w: { id: string }) => w.id)).not.toContain(gone.id);
  });

  it('writes deliveries in the transaction of the event: a change that rolls back sends nothing', async () => {
    const [{ n: before }] = await sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM webhook_deliveries`);
    expectError(await http().post('/v1/users/nobody/recovery').set('authorization', sk(app)).send({ actor: 'a', reason: 'r', revokeCredentials: 'none', delivery: 'link' }), 404, 'user_not_found');
    const [{ n: subscribed }] = await sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM webhook_endpoints WHERE app_id = $1 AND 'sessions.revoked' = ANY (events)`, [app.appId]);
    expect(subscribed).toBeGreaterThan(0);
    const audit = t.svc.app.get(AuditService);
    const event = { appId: app.appId, externalUserId: 'ghost', type: 'sessions.revoked', actor: 'test', data: { reason: 'rolled back' } };
    await expect(
      t.svc.app.get(Db).transaction(async (tx) => {
        await audit.record(event, tx);
        const [{ n }] = await tx.rows<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE payload->>'reason' = 'rolled back'`);
        expect(n).toBe(subscribed); // one per subscribed endpoint, written with the event inside the transaction
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [{ n: after }] = await sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM webhook_deliveries`);
    expect(after).toBe(before);
    expect(await sql(t.databaseUrl, `SELECT 1 FROM audit_events WHERE data->>'reason' = 'rolled back'`)).toEqual([]);

    await t.svc.app.get(Db).transaction((tx) => audit.record({ ...event, data: { reason: 'committed' } }, tx));
    await one('/hooks', 'sessions.revoked', { externalUserId: 'ghost', reason: 'committed' });
    await expectNothingFor(300, () => expect(receiver.received.filter((r) => r.body.includes('rolled back'))).toEqual([]));
  });

  describe('production applications', () => {
    let prod: TestApplication;
    beforeAll(async () => {
      prod = await createApplication(t.svc, { name: 'Acme prod', mode: 'production' });
    });

    it('refuses http and loopback, private or link-local endpoints at registration', async () => {
      for (const url of [
        `${receiver.url}/prod`,
        'http://hooks.example.com/x',
        'https://127.0.0.1/x',
        'https://localhost/x',
        'https://10.1.2.3/x',
        'https://169.254.169.254/latest',
        'https://[::1]/x',
        'https://[::ffff:127.0.0.1]/x',
        'https://user:pw@hooks.example.com/x',
      ]) {
        const res = await register(prod, { url });
        expectError(res, 400, 'invalid_request');
        expect(res.body.details).toEqual([expect.objectContaining({ field: 'url' })]);
      }
      const ok = await register(prod, { url: 'https://hooks.example.com/mellon' });
      expect(ok.status).toBe(201);
      await http().delete(`/v1/webhooks/${ok.body.id}`).set('authorization', sk(prod));
    });

    it('refuses at delivery an endpoint that is http or resolves to loopback, and never connects to it', async () => {
      // Registered while the application was a sandbox; the rules apply when delivering.
      const moved = await createApplication(t.svc, { name: 'Moving to prod' });
      const plain = (await register(moved, { url: `${receiver.url}/prod-http` })).body;
      const named = (await register(moved, { url: `https://localhost:${new URL(receiver.url).port}/prod-https` })).body;
      const patch = await http().patch(`/v1/admin/applications/${moved.appId}`).set('authorization', `Bearer ${ADMIN_TOKEN}`).send({ mode: 'production' });
      expect(patch.status).toBe(200);
      await putUser(t.svc, moved, 'dee', 'dee@example.com');
      await http().post('/v1/users/dee/sessions/revoke').set('authorization', sk(moved)).send({ actor: 'a', reason: 'prod' });

      for (const [ep, why] of [
        [plain, /https/],
        [named, /localhost resolves to 127\.0\.0\.1/],
      ] as const) {
        const [d] = await waitFor(async () => {
          const res = await deliveries(moved, ep.id);
          expect(res.body.deliveries).toEqual([expect.objectContaining({ status: 'failed' })]);
          return res.body.deliveries;
        });
        expect(d.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: null, error: expect.stringMatching(why) })]);
      }
      expect(receiver.at('/prod-http')).toEqual([]);
      expect(receiver.at('/prod-https')).toEqual([]);
    });
  });
});
