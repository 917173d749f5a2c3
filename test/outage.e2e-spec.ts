import { PG_ADMIN_URL, sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { TcpProxy } from './support/proxy';
import { TestRedis } from './support/redis-server';
import { browser, createApplication, putUser, startService, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { expectNothingFor, waitFor } from './support/wait';

/** Fail closed: while PostgreSQL or Redis is away nothing succeeds unchecked, and no mail is lost. */
describe('PostgreSQL or Redis down', () => {
  let redis: TestRedis;
  let pg: TcpProxy;
  /** The same database, reached through the proxy the test can cut. */
  const throughProxy = (databaseUrl: string) => {
    const url = new URL(databaseUrl);
    url.port = String(pg.port);
    return url.toString();
  };
  // The API instance reaches PostgreSQL through a proxy the test can cut, and a private Redis the test
  // can kill; it runs no worker (WORKER=off): mail is sent by a separate worker instance.
  const t = useService('outage', {
    smtp: true,
    runWorker: false,
    prepare: async ({ databaseUrl }) => {
      redis = await new TestRedis().start();
      pg = await new TcpProxy(Number(new URL(PG_ADMIN_URL).port || 5432)).start();
      return { databaseUrl: throughProxy(databaseUrl), redisUrl: redis.url };
    },
  });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
    await putUser(t.svc, app, 'ada', 'ada@example.com');
  });

  afterAll(async () => {
    await redis?.stop();
    await pg?.cut();
  });

  it('re-drives a mail from the outbox when Redis died (and came back empty) right after the start was accepted', async () => {
    const start = await browser(t.svc, app).start({ email: 'ada@example.com' });
    expect(start.status).toBe(202);
    await redis.stop(); // the queued job dies with Redis
    await redis.start(); // back, empty
    expect(Object.keys(await redis.keys())).toEqual([]);
    const worker = await startService({ databaseUrl: t.databaseUrl, redisUrl: redis.url, smtpUrl: t.smtp.url, runWorker: true });
    try {
      const mail = await t.smtp.waitFor('ada@example.com', 1, 15_000);
      const ok = await browser(t.svc, app).verify({ challengeId: start.body.challengeId, code: codeFrom(mail) });
      expect(ok.status).toBe(200);
      const [row] = await sql(t.databaseUrl, `SELECT status FROM mail_outbox WHERE challenge_id = $1`, [start.body.challengeId]);
      expect(row.status).toBe('sent');
      // A second re-drive must not send it twice. Absence cannot be awaited: watch for longer than
      // OUTBOX_REDRIVE_AFTER (1s in tests), so a re-drive would have happened inside the window.
      await expectNothingFor(1500, () => expect(t.smtp.to('ada@example.com')).toHaveLength(1));
    } finally {
      await worker.close();
    }
  });

  it('answers 503 to start and verify while Redis is down, and recovers', async () => {
    const before = await browser(t.svc, app).start({ email: 'ada@example.com' });
    expect(before.status).toBe(202);
    await redis.stop();
    const start = await browser(t.svc, app).start({ email: 'ada@example.com' });
    expect(start.status).toBe(503);
    expect(start.body).toEqual({ code: 'service_unavailable', message: expect.any(String) });
    const verify = await browser(t.svc, app).verify({ challengeId: before.body.challengeId, code: '000000' });
    expect(verify.body).toEqual({ code: 'service_unavailable', message: expect.any(String) });
    expect(verify.status).toBe(503);
    const ready = await t.svc.http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ postgres: 'up', redis: 'down' });
    expect((await t.svc.http().get('/health/live')).status).toBe(200);
    await redis.start();
    // The client reconnects by itself; readiness says when.
    await waitFor(async () => expect((await t.svc.http().get('/health/ready')).body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } }));
    expect((await browser(t.svc, app).start({ email: 'ada@example.com', externalUserId: 'ada' })).status).toBe(202);
  });

  it('answers 503 to start and verify while PostgreSQL is unreachable, and recovers', async () => {
    const before = await browser(t.svc, app).start({ email: 'other@example.com' });
    expect(before.status).toBe(202);
    await pg.cut();
    try {
      const start = await browser(t.svc, app).start({ email: 'ada@example.com' });
      expectError(start, 503, 'service_unavailable');
      const verify = await browser(t.svc, app).verify({ challengeId: before.body.challengeId, code: '000000' });
      expectError(verify, 503, 'service_unavailable');
      const ready = await t.svc.http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toBe('down');
    } finally {
      await pg.restore();
    }
    // The pool reconnects on demand: starts succeed again within seconds (each try is one start, so poll slowly).
    await waitFor(async () => expect((await browser(t.svc, app).start({ email: 'other@example.com' })).status).toBe(202), { timeoutMs: 5000, intervalMs: 250 });
  });

  it('sends a mail once when PostgreSQL goes away between the SMTP server accepting it and the sent mark', async () => {
    await putUser(t.svc, app, 'bea', 'bea@example.com');
    // A worker that reaches PostgreSQL through the proxy, like the API.
    const worker = await startService({ databaseUrl: throughProxy(t.databaseUrl), redisUrl: redis.url, smtpUrl: t.smtp.url, runWorker: true, env: { MAIL_BACKOFF: '200ms' } });
    let release = () => undefined as void;
    try {
      // Mail the earlier tests left undelivered (they ran no worker) goes out first.
      const undelivered = () => sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM mail_outbox WHERE status IN ('pending', 'queued', 'sending')`);
      await waitFor(async () => expect(await undelivered()).toEqual([{ n: 0 }]));
      t.smtp.hold = new Promise<void>((resolve) => (release = resolve));
      const start = await browser(t.svc, app).start({ email: 'bea@example.com' });
      expect(start.status).toBe(202);
      await waitFor(() => expect(t.smtp.held).toBe(1)); // the mail is at the SMTP server, not yet accepted
      await pg.cut();
      release(); // accepted while the worker cannot write the mark
      await waitFor(() => expect(t.smtp.to('bea@example.com')).toHaveLength(1));
      await pg.restore();
      const status = async () => (await sql<{ status: string }>(t.databaseUrl, `SELECT status FROM mail_outbox WHERE challenge_id = $1`, [start.body.challengeId]))[0].status;
      await waitFor(async () => expect(await status()).toBe('sent'));
      // Without the retried mark the row stayed 'sending' and the relay (OUTBOX_REDRIVE_AFTER is 1s
      // in tests) sent it again: watch for longer than that.
      await expectNothingFor(1500, () => expect(t.smtp.to('bea@example.com')).toHaveLength(1));
    } finally {
      t.smtp.hold = undefined;
      release();
      await worker.close();
    }
  });
});
