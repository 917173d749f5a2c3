import { dropDatabase, freshDatabaseUrl, PG_ADMIN_URL, sql } from './support/database';
import { TcpProxy } from './support/proxy';
import { TestRedis } from './support/redis-server';
import { browser, createApplication, putUser, Service, startService, TestApplication } from './support/service';
import { codeFrom, TestSmtp } from './support/smtp';

/** Fail closed: while PostgreSQL or Redis is away nothing succeeds unchecked, and no mail is lost. */
describe('PostgreSQL or Redis down', () => {
  const databaseUrl = freshDatabaseUrl('outage');
  let smtp: TestSmtp;
  let redis: TestRedis;
  let pg: TcpProxy;
  let api: Service;
  let app: TestApplication;
  let viaProxy: string;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    redis = await new TestRedis().start();
    pg = await new TcpProxy(Number(new URL(PG_ADMIN_URL).port || 5432)).start();
    const u = new URL(databaseUrl);
    u.port = String(pg.port);
    viaProxy = u.toString();
    // The API instance runs no worker (WORKER=off); mail is sent by a separate worker instance.
    api = await startService({ databaseUrl: viaProxy, redisUrl: redis.url, smtpUrl: smtp.url, runWorker: false });
    app = await createApplication(api);
    await putUser(api, app, 'ada', 'ada@example.com');
  });

  afterAll(async () => {
    await api.close();
    await redis.stop();
    await pg.cut();
    await smtp.stop();
    await dropDatabase(databaseUrl);
  });

  it('re-drives a mail from the outbox when Redis died (and came back empty) right after the start was accepted', async () => {
    const start = await browser(api, app).start({ email: 'ada@example.com' });
    expect(start.status).toBe(202);
    await redis.stop(); // the queued job dies with Redis
    await redis.start(); // back, empty
    expect(Object.keys(await redis.keys())).toEqual([]);
    const worker = await startService({ databaseUrl, redisUrl: redis.url, smtpUrl: smtp.url, runWorker: true });
    try {
      const mail = await smtp.waitFor('ada@example.com', 1, 15_000);
      const ok = await browser(api, app).verify({ challengeId: start.body.challengeId, code: codeFrom(mail) });
      expect(ok.status).toBe(200);
      const [row] = await sql(databaseUrl, `SELECT status FROM mail_outbox WHERE challenge_id = $1`, [start.body.challengeId]);
      expect(row.status).toBe('sent');
      await new Promise((r) => setTimeout(r, 1500)); // a second re-drive must not send it twice
      expect(smtp.to('ada@example.com')).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('answers 503 to start and verify while Redis is down, and recovers', async () => {
    const before = await browser(api, app).start({ email: 'ada@example.com' });
    expect(before.status).toBe(202);
    await redis.stop();
    const start = await browser(api, app).start({ email: 'ada@example.com' });
    expect(start.status).toBe(503);
    expect(start.body).toEqual({ code: 'service_unavailable', message: expect.any(String) });
    const verify = await browser(api, app).verify({ challengeId: before.body.challengeId, code: '000000' });
    expect(verify.status).toBe(503);
    const ready = await api.http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ postgres: 'up', redis: 'down' });
    expect((await api.http().get('/health/live')).status).toBe(200);
    await redis.start();
    await new Promise((r) => setTimeout(r, 1500)); // reconnect
    expect((await browser(api, app).start({ email: 'ada@example.com', externalUserId: 'ada' })).status).toBe(202);
  });

  it('answers 503 to start and verify while PostgreSQL is unreachable, and recovers', async () => {
    const before = await browser(api, app).start({ email: 'other@example.com' });
    expect(before.status).toBe(202);
    await pg.cut();
    try {
      const start = await browser(api, app).start({ email: 'ada@example.com' });
      expect(start.status).toBe(503);
      expect(start.body.code).toBe('service_unavailable');
      const verify = await browser(api, app).verify({ challengeId: before.body.challengeId, code: '000000' });
      expect(verify.status).toBe(503);
      const ready = await api.http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toBe('down');
    } finally {
      await pg.restore();
    }
    let status = 0;
    for (let i = 0; i < 20 && status !== 202; i++) {
      status = (await browser(api, app).start({ email: 'other@example.com' })).status;
      if (status !== 202) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(202);
  });
});
