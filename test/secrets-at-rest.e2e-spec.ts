import request from 'supertest';
import Redis from 'ioredis';
import { sql } from './support/database';
import { useService } from './support/fixture';
import { codeHmac } from './support/secrets';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';

/** SPEC §5: no code or token in clear text in the database, Redis, logs, or any other API response. */
describe('codes and tokens are never stored or logged in clear text', () => {
  const t = useService('secrets', { smtp: true });
  let sandbox: TestApplication;
  let prod: TestApplication;
  const secrets: string[] = [];
  const challenges: { challengeId: string; code: string }[] = [];

  beforeAll(async () => {
    sandbox = await createApplication(t.svc, { mode: 'sandbox' });
    prod = await createApplication(t.svc, { mode: 'production' });
    for (const [app, user] of [
      [sandbox, 'sam'],
      [prod, 'pat'],
    ] as const) {
      await putUser(t.svc, app, user, `${user}@example.com`);
      const b = browser(t.svc, app);
      for (const purpose of ['login', 'recovery']) {
        const n = t.smtp.to(`${user}@example.com`).length;
        const start = await b.start({ email: `${user}@example.com`, purpose });
        const code = codeFrom(await t.smtp.waitFor(`${user}@example.com`, n + 1));
        const ok = await b.verify({ challengeId: start.body.challengeId, code });
        expect(ok.status).toBe(200);
        secrets.push(code, ok.body.token);
        challenges.push({ challengeId: start.body.challengeId, code });
      }
    }
    // one mail still waiting in the queue while we look at Redis
    const pending = await browser(t.svc, sandbox).start({ email: 'sam@example.com' });
    expect(pending.status).toBe(202);
    const pendingCode = codeFrom(await t.smtp.waitFor('sam@example.com', 3));
    secrets.push(pendingCode);
    challenges.push({ challengeId: pending.body.challengeId, code: pendingCode });
  });

  const leaks = (text: string) => secrets.filter((s) => text.includes(s) || text.includes(Buffer.from(s).toString('hex')));

  it('keeps none in any table', async () => {
    const tables = await sql<{ table_name: string }>(t.databaseUrl, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_name } of tables) {
      const dump = await sql<{ row: string }>(t.databaseUrl, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      expect({ table: table_name, leaks: leaks(dump.map((r) => r.row).join('\n')) }).toEqual({ table: table_name, leaks: [] });
    }
  });

  it('keeps none in Redis keys or values', async () => {
    const redis = new Redis(t.svc.config.redisUrl);
    try {
      const keys = await redis.keys(`${t.svc.config.redisPrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      let dump = keys.join('\n');
      for (const k of keys) {
        const type = await redis.type(k);
        if (type === 'string') dump += await redis.get(k);
        if (type === 'hash') dump += JSON.stringify(await redis.hgetall(k));
        if (type === 'list') dump += JSON.stringify(await redis.lrange(k, 0, -1));
        if (type === 'zset') dump += JSON.stringify(await redis.zrange(k, 0, -1));
        if (type === 'stream') dump += JSON.stringify(await redis.xrange(k, '-', '+'));
      }
      expect(leaks(dump)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('writes none, nor a full email address, to the logs', async () => {
    expect(t.svc.logs.length).toBeGreaterThan(10);
    const all = t.svc.logs.join('\n');
    expect(leaks(all)).toEqual([]);
    expect(all).not.toContain('sam@example.com');
    expect(all).not.toContain('pat@example.com');
  });

  it('returns none from the audit, user or metrics APIs', async () => {
    for (const app of [sandbox, prod]) {
      const audit = await t.svc.http().get('/v1/audit-events').set('authorization', `Bearer ${app.secretKey}`);
      expect(audit.status).toBe(200);
      expect(audit.body.events.length).toBeGreaterThan(0);
      expect(leaks(JSON.stringify(audit.body))).toEqual([]);
    }
    const user = await t.svc.http().get('/v1/users/sam').set('authorization', `Bearer ${sandbox.secretKey}`);
    expect(leaks(JSON.stringify(user.body))).toEqual([]);
    const metrics = await request(t.svc.metricsUrl).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('mellon_otp_start_total');
    expect(leaks(metrics.text)).toEqual([]);
  });

  it('stores the code only as HMAC-SHA256 of challenge id and code, keyed from SECRET_KEY', async () => {
    const rows = await sql<{ id: string; hash: Buffer }>(t.databaseUrl, `SELECT id, code_hash AS hash FROM otp_challenges ORDER BY created_at`);
    const stored = Object.fromEntries(rows.map((r) => [r.id, r.hash.toString('hex')]));
    expect(Object.keys(stored).sort()).toEqual(challenges.map((c) => c.challengeId).sort());
    for (const { challengeId, code } of challenges) expect({ challengeId, hash: stored[challengeId] }).toEqual({ challengeId, hash: codeHmac(challengeId, code).toString('hex') });
  });
});
