import { dropDatabase, freshDatabaseUrl, sql } from './support/database';
import { browser, createApplication, putUser, Service, startService, TestApplication } from './support/service';
import { codeFrom, TestSmtp } from './support/smtp';

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Mail jobs are retried with exponential backoff and end as sent or failed in their outbox row. */
describe('mail delivery retries', () => {
  const databaseUrl = freshDatabaseUrl('mail_delivery');
  let smtp: TestSmtp;
  let svc: Service;
  let app: TestApplication;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    svc = await startService({ databaseUrl, smtpUrl: smtp.url, env: { MAIL_ATTEMPTS: '3', MAIL_BACKOFF: '200ms', OUTBOX_REDRIVE_AFTER: '30s' } });
    app = await createApplication(svc);
  });

  afterAll(async () => {
    await svc.close();
    await smtp.stop();
    await dropDatabase(databaseUrl);
  });

  const outboxRow = (challengeId: string) =>
    sql<{ status: string; attempts: number; last_error: string | null; sent_at: Date | null }>(databaseUrl, `SELECT status, attempts, last_error, sent_at FROM mail_outbox WHERE challenge_id = $1`, [challengeId]).then((r) => r[0]);

  it('retries a temporary SMTP failure with backoff and records the mail as sent', async () => {
    await putUser(svc, app, 'retry', 'retry@example.com');
    smtp.refuseNext = 2;
    const t0 = Date.now();
    const start = await browser(svc, app).start({ email: 'retry@example.com' });
    const mail = await smtp.waitFor('retry@example.com', 1, 10_000);
    // two refusals, then backoff 200 ms + 400 ms before the third attempt
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(smtp.refused).toBe(2);
    const row = await until(async () => {
      const r = await outboxRow(start.body.challengeId);
      return r?.status === 'sent' ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(row.sent_at).not.toBeNull();
    expect((await browser(svc, app).verify({ challengeId: start.body.challengeId, code: codeFrom(mail) })).status).toBe(200);
    expect(smtp.to('retry@example.com')).toHaveLength(1);
  });

  it('records a final failure after the last attempt instead of swallowing it', async () => {
    await putUser(svc, app, 'doomed', 'doomed@example.com');
    smtp.refused = 0;
    smtp.refuseNext = 3;
    const start = await browser(svc, app).start({ email: 'doomed@example.com' });
    const row = await until(async () => {
      const r = await outboxRow(start.body.challengeId);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row.attempts).toBe(3);
    expect(row.last_error).toMatch(/451|try again/);
    expect(smtp.refused).toBe(3);
    expect(smtp.to('doomed@example.com')).toHaveLength(0);
    const metrics = await svc.http().get('/metrics');
    expect(metrics.text).toMatch(/mellon_mail_total\{template="any",outcome="failed"\} 1/);
  });
});
