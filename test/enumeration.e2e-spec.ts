import { dropDatabase, freshDatabaseUrl, sql } from './support/database';
import { browser, createApplication, putUser, Service, startService, TestApplication } from './support/service';
import { TestSmtp } from './support/smtp';

const shape = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === 'challengeId' || k === 'expiresAt' ? typeof v : v]));
const headerNames = (h: Record<string, string>) => Object.keys(h).filter((k) => k !== 'date' && k !== 'content-length').sort();

describe('known and unknown accounts look the same', () => {
  const databaseUrl = freshDatabaseUrl('enumeration');
  let smtp: TestSmtp;
  let svc: Service;
  let app: TestApplication;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    svc = await startService({ databaseUrl, smtpUrl: smtp.url });
    app = await createApplication(svc);
    await putUser(svc, app, 'known', 'known@example.com');
  });

  afterAll(async () => {
    await svc.close();
    await smtp.stop();
    await dropDatabase(databaseUrl);
  });

  it('answers an unknown email with the same status, body shape and headers, and sends no mail', async () => {
    const b = browser(svc, app);
    const known = await b.start({ email: 'known@example.com' });
    const unknown = await b.start({ email: 'nobody@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(shape(unknown.body)).toEqual(shape(known.body));
    expect(headerNames(unknown.headers)).toEqual(headerNames(known.headers));
    expect(unknown.headers['x-ratelimit-remaining']).toBe(known.headers['x-ratelimit-remaining']);
    await smtp.waitFor('known@example.com');
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.to('nobody@example.com')).toHaveLength(0);
    const outbox = await sql(databaseUrl, `SELECT to_address FROM mail_outbox`);
    expect(outbox.map((o) => o.to_address)).toEqual(['known@example.com']);
  });

  it('behaves the same on verify: wrong codes count down, then lock, for a decoy challenge too', async () => {
    const b = browser(svc, app);
    const decoy = await b.start({ email: 'ghost@example.com', externalUserId: 'ghost' });
    for (let left = 4; left >= 0; left--) {
      const res = await b.verify({ challengeId: decoy.body.challengeId, code: '000000' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_code', attemptsRemaining: left });
    }
    expect((await b.verify({ challengeId: decoy.body.challengeId, code: '000000' })).status).toBe(429);
  });

  it('supersedes decoy challenges like real ones', async () => {
    const b = browser(svc, app);
    const first = await b.start({ email: 'phantom@example.com' });
    await b.start({ email: 'phantom@example.com' });
    const res = await b.verify({ challengeId: first.body.challengeId, code: '000000' });
    expect(res.body).toMatchObject({ code: 'session_expired', reason: 'superseded' });
  });

  it('never mails the address typed when it does not match the stored one', async () => {
    const b = browser(svc, app);
    const res = await b.start({ email: 'attacker@evil.test', externalUserId: 'known' });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.to('attacker@evil.test')).toHaveLength(0);
    expect(smtp.to('known@example.com')).toHaveLength(1);
  });
});
