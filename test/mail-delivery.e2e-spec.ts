import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Db } from '../src/database/db';
import { MailOutboxRepository } from '../src/mail/mail-outbox.repository';
import { sql } from './support/database';
import { useService } from './support/fixture';
import { scrape } from './support/metrics';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { waitFor } from './support/wait';

/** Mail jobs are retried with exponential backoff and end as sent or failed in their outbox row. */
describe('mail delivery retries', () => {
  const t = useService('mail_delivery', { smtp: true, env: { MAIL_ATTEMPTS: '3', MAIL_BACKOFF: '200ms', OUTBOX_REDRIVE_AFTER: '30s' } });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
  });

  const outboxRow = (challengeId: string) =>
    sql<{ status: string; attempts: number; last_error: string | null; sent_at: Date | null }>(t.databaseUrl, `SELECT status, attempts, last_error, sent_at FROM mail_outbox WHERE challenge_id = $1`, [
      challengeId,
    ]).then((r) => r[0]);

  it('retries a temporary SMTP failure with backoff and records the mail as sent', async () => {
    await putUser(t.svc, app, 'retry', 'retry@example.com');
    t.smtp.refuseNext = 2;
    const t0 = Date.now();
    const start = await browser(t.svc, app).start({ email: 'retry@example.com' });
    const mail = await t.smtp.waitFor('retry@example.com', 1, 10_000);
    // two refusals, then backoff 200 ms + 400 ms before the third attempt
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(t.smtp.refused).toBe(2);
    const row = await waitFor(async () => {
      const r = await outboxRow(start.body.challengeId);
      expect(r?.status).toBe('sent');
      return r;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    // This file's service has sent nothing else: two retries and one delivery, counted once each.
    const metrics = await scrape(t.svc);
    expect(metrics.value('mellon_mail_total', { template: 'any', outcome: 'retried' })).toBe(2);
    expect(metrics.value('mellon_mail_total', { template: 'otp-login', outcome: 'sent' })).toBe(1);
    expect(metrics.value('mellon_mail_total', { template: 'any', outcome: 'failed' })).toBe(0);
    expect(row.sent_at).not.toBeNull();
    expect((await browser(t.svc, app).verify({ challengeId: start.body.challengeId, code: codeFrom(mail) })).status).toBe(200);
    expect(t.smtp.to('retry@example.com')).toHaveLength(1);
  });

  it('records a final failure after the last attempt instead of swallowing it', async () => {
    await putUser(t.svc, app, 'doomed', 'doomed@example.com');
    t.smtp.refused = 0;
    t.smtp.refuseNext = 3;
    const start = await browser(t.svc, app).start({ email: 'doomed@example.com' });
    const row = await waitFor(async () => {
      const r = await outboxRow(start.body.challengeId);
      expect(r?.status).toBe('failed');
      return r;
    });
    expect(row.attempts).toBe(3);
    expect(row.last_error).toMatch(/451|try again/);
    expect(t.smtp.refused).toBe(3);
    expect(t.smtp.to('doomed@example.com')).toHaveLength(0);
    const metrics = await scrape(t.svc);
    expect(metrics.text).toMatch(/mellon_mail_total\{template="any",outcome="failed"\} 1/);
    expect(metrics.value('mellon_mail_total', { template: 'any', outcome: 'retried' })).toBe(2 + 2);
    expect(metrics.value('mellon_mail_total', { template: 'otp-login', outcome: 'sent' })).toBe(1);
  });
});

describe('mail worker concurrency', () => {
  // Two pooled SMTP connections: the worker must not take more jobs than it can send at once.
  const t = useService('mail_concurrency', { smtp: true, prepare: async ({ smtp }) => ({ smtpUrl: `${smtp!.url}&maxConnections=2` }) });

  it('claims no more mails than the SMTP pool sends at once, and delivers the rest after', async () => {
    const app = await createApplication(t.svc);
    const users = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    for (const u of users) await putUser(t.svc, app, u, `${u}@example.com`);
    let release!: () => void;
    t.smtp.hold = new Promise<void>((resolve) => (release = resolve));
    for (const u of users) expect((await browser(t.svc, app).start({ email: `${u}@example.com` })).status).toBe(202);
    const statuses = () => sql<{ status: string; n: number }>(t.databaseUrl, `SELECT status, count(*)::int AS n FROM mail_outbox GROUP BY status`);
    // Two mails are at the server; the other four wait in the queue, not claimed ('sending') inside the process.
    await waitFor(() => expect(t.smtp.held).toBe(2));
    expect(Object.fromEntries((await statuses()).map((r) => [r.status, r.n]))).toEqual({ sending: 2, queued: 4 });
    release();
    for (const u of users) await t.smtp.waitFor(`${u}@example.com`);
    expect(t.smtp.mostHeld).toBe(2);
    await waitFor(async () => expect(await statuses()).toEqual([{ status: 'sent', n: 6 }]));
  });

  it('claims and marks the mails asked for together in one statement each, and hands a row to one caller only', async () => {
    const app = await createApplication(t.svc);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids) {
      await sql(t.databaseUrl, `INSERT INTO mail_outbox (id, app_id, template, locale, to_address, payload_enc, status) VALUES ($1, $2, 'otp-login', 'en', 'x@example.com', '\\x00', 'queued')`, [
        id,
        app.appId,
      ]);
    }
    // The repository on a counting executor over its own pool: how many statements reach PostgreSQL.
    const pool = new Pool({ connectionString: t.databaseUrl, max: 4 });
    let statements = 0;
    const db = {
      rows: async (text: string, values?: unknown[]) => (statements++, (await pool.query(text, values)).rows),
      count: async (text: string, values?: unknown[]) => (statements++, (await pool.query(text, values)).rowCount ?? 0),
    } as unknown as Db;
    const outbox = new MailOutboxRepository(db);
    try {
      // Twenty jobs, a duplicate of the first and a job with a malformed id ask at once.
      const claimed = await Promise.all([...ids, ids[0], 'not-a-uuid'].map((id) => outbox.claim(id)));
      expect(statements).toBe(1);
      expect(claimed.slice(0, 20).map((r) => r?.id)).toEqual(ids);
      expect(claimed.slice(20)).toEqual([null, null]);
      const status = () => sql<{ status: string; n: number }>(t.databaseUrl, `SELECT status, count(*)::int AS n FROM mail_outbox WHERE id = ANY($1::uuid[]) GROUP BY status`, [ids]);
      expect(await status()).toEqual([{ status: 'sending', n: 20 }]);
      expect(await outbox.claim(ids[1])).toBeNull(); // claimed already
      await Promise.all(ids.map((id) => outbox.markSent(id)));
      expect(statements).toBe(3);
      expect(await status()).toEqual([{ status: 'sent', n: 20 }]);
    } finally {
      await pool.end();
    }
  });
});
