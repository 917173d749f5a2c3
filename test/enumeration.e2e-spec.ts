import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { expectNothingFor } from './support/wait';

const shape = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === 'challengeId' || k === 'expiresAt' ? typeof v : v]));
const headerNames = (h: Record<string, string>) =>
  Object.keys(h)
    .filter((k) => k !== 'date' && k !== 'content-length')
    .sort();

describe('known and unknown accounts look the same', () => {
  const t = useService('enumeration', { smtp: true });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
    await putUser(t.svc, app, 'known', 'known@example.com');
  });

  it('answers an unknown email with the same status, body shape and headers, and sends no mail', async () => {
    const b = browser(t.svc, app);
    const known = await b.start({ email: 'known@example.com' });
    const unknown = await b.start({ email: 'nobody@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(shape(unknown.body)).toEqual(shape(known.body));
    expect(headerNames(unknown.headers)).toEqual(headerNames(known.headers));
    expect(unknown.headers['x-ratelimit-remaining']).toBe(known.headers['x-ratelimit-remaining']);
    await t.smtp.waitFor('known@example.com');
    // Proving a mail is NOT sent needs a window: the known address's mail is already here, so one
    // for the unknown address would follow within it.
    await expectNothingFor(1000, () => expect(t.smtp.to('nobody@example.com')).toHaveLength(0));
    const outbox = await sql(t.databaseUrl, `SELECT to_address FROM mail_outbox`);
    expect(outbox.map((o) => o.to_address)).toEqual(['known@example.com']);
  });

  it('behaves the same on verify: wrong codes count down, then lock, for a decoy challenge too', async () => {
    const b = browser(t.svc, app);
    const decoy = await b.start({ email: 'ghost@example.com', externalUserId: 'ghost' });
    for (let left = 4; left >= 0; left--) {
      const res = await b.verify({ challengeId: decoy.body.challengeId, code: '000000' });
      expectError(res, 400, 'invalid_code', { attemptsRemaining: left });
    }
    expectError(await b.verify({ challengeId: decoy.body.challengeId, code: '000000' }), 429, 'too_many_attempts');
  });

  it('supersedes decoy challenges like real ones', async () => {
    const b = browser(t.svc, app);
    const first = await b.start({ email: 'phantom@example.com' });
    await b.start({ email: 'phantom@example.com' });
    const res = await b.verify({ challengeId: first.body.challengeId, code: '000000' });
    expect(res.body).toMatchObject({ code: 'session_expired', reason: 'superseded' });
  });

  it('never mails the address typed when it does not match the stored one', async () => {
    const b = browser(t.svc, app);
    const res = await b.start({ email: 'attacker@evil.test', externalUserId: 'known' });
    expect(res.status).toBe(202);
    // Absence needs a window: a mail to either address would be sent within it.
    await expectNothingFor(1000, () => {
      expect(t.smtp.to('attacker@evil.test')).toHaveLength(0);
      expect(t.smtp.to('known@example.com')).toHaveLength(1);
    });
  });
});

describe('an OTP start answers no sooner than OTP_START_MIN_MS, whatever it found', () => {
  const FLOOR_MS = 250;
  const t = useService('enumeration_floor', { smtp: true, env: { OTP_START_MIN_MS: String(FLOOR_MS), RATE_OTP_PER_USER_HOUR: '1' } });
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
    await putUser(t.svc, app, 'known', 'known@example.com');
  });

  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const began = performance.now();
    const result = await work();
    return [result, performance.now() - began];
  };

  it('holds a known account, an unknown one and a refused start to the floor, and still mails the known one', async () => {
    const b = browser(t.svc, app);
    const [known, knownMs] = await timed(() => b.start({ email: 'known@example.com' }));
    const [unknown, unknownMs] = await timed(() => b.start({ email: 'nobody@example.com' }));
    // The per-user limit is 1 an hour: the second start for the known account is refused.
    const [refused, refusedMs] = await timed(() => b.start({ email: 'known@example.com' }));
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expectError(refused, 429, 'rate_limit_exceeded');
    for (const ms of [knownMs, unknownMs, refusedMs]) expect(ms).toBeGreaterThanOrEqual(FLOOR_MS - 1);
    // The mail is enqueued after the floor, not lost to it.
    await t.smtp.waitFor('known@example.com');
    expect(t.smtp.to('known@example.com')).toHaveLength(1);
  });
});
