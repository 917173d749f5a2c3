import { RetentionService } from '../src/database/retention.service';
import { dropDatabase, freshDatabaseUrl, sql } from './support/database';
import { browser, createApplication, putUser, Service, startService, TestApplication } from './support/service';

describe('expired rows are purged, live ones kept', () => {
  const databaseUrl = freshDatabaseUrl('retention');
  let svc: Service;
  let app: TestApplication;

  beforeAll(async () => {
    svc = await startService({ databaseUrl });
    app = await createApplication(svc);
  });

  afterAll(async () => {
    await svc.close();
    await dropDatabase(databaseUrl);
  });

  it('deletes challenges expired over a day ago and delivered mail over a week old, and nothing else', async () => {
    await putUser(svc, app, 'keep', 'keep@example.com');
    const b = browser(svc, app);
    const live = (await b.start({ email: 'keep@example.com' })).body.challengeId;
    const old = (await b.start({ email: 'nobody@example.com' })).body.challengeId;
    await sql(databaseUrl, `UPDATE otp_challenges SET expires_at = now() - interval '2 days' WHERE id = $1`, [old]);
    await new Promise((r) => setTimeout(r, 500));
    await sql(databaseUrl, `UPDATE mail_outbox SET created_at = now() - interval '8 days', status = 'sent'`);

    const deleted = await svc.app.get(RetentionService).purge();
    expect(deleted).toMatchObject({ otp_challenges: 1, mail_outbox: 1 });
    const left = await sql<{ id: string }>(databaseUrl, `SELECT id FROM otp_challenges`);
    expect(left.map((r) => r.id)).toEqual([live]);
    expect((await sql(databaseUrl, `SELECT count(*)::int AS n FROM audit_events`))[0].n).toBeGreaterThan(0);
    expect(await svc.app.get(RetentionService).purge()).toMatchObject({ otp_challenges: 0, mail_outbox: 0 });
  });
});
