import { RetentionService } from '../src/database/retention.service';
import { sql } from './support/database';
import { useService } from './support/fixture';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { waitFor } from './support/wait';

describe('expired rows are purged, live ones kept', () => {
  const t = useService('retention');
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
  });

  it('deletes challenges expired over a day ago and delivered mail over a week old, and nothing else', async () => {
    await putUser(t.svc, app, 'keep', 'keep@example.com');
    const b = browser(t.svc, app);
    const live = (await b.start({ email: 'keep@example.com' })).body.challengeId;
    const old = (await b.start({ email: 'nobody@example.com' })).body.challengeId;
    await sql(t.databaseUrl, `UPDATE otp_challenges SET expires_at = now() - interval '2 days' WHERE id = $1`, [old]);
    // Let the worker deliver the one mail first, or it would overwrite the status aged below.
    await waitFor(async () => expect(await sql(t.databaseUrl, `SELECT status FROM mail_outbox`)).toEqual([{ status: 'sent' }]));
    await sql(t.databaseUrl, `UPDATE mail_outbox SET created_at = now() - interval '8 days', status = 'sent'`);

    const deleted = await t.svc.app.get(RetentionService).purge();
    expect(deleted).toMatchObject({ otp_challenges: 1, mail_outbox: 1 });
    const left = await sql<{ id: string }>(t.databaseUrl, `SELECT id FROM otp_challenges`);
    expect(left.map((r) => r.id)).toEqual([live]);
    expect((await sql(t.databaseUrl, `SELECT count(*)::int AS n FROM audit_events`))[0].n).toBeGreaterThan(0);
    expect(await t.svc.app.get(RetentionService).purge()).toMatchObject({ otp_challenges: 0, mail_outbox: 0 });
  });
});
