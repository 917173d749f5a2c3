import Redis from 'ioredis';
import * as crypto from 'node:crypto';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { codeHmac } from './support/secrets';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { expectNothingFor } from './support/wait';

/** A wrong code of the same length as `code`. */
const wrong = (code: string) => code.replace(/^./, (d) => String((Number(d) + 1) % 10));

describe('OTP verify: attempts, locking, superseding, expiry', () => {
  const t = useService('otp_attempts', { smtp: true, env: { OTP_MAX_FAILURES_PER_DAY: '8', RATE_OTP_PER_USER_HOUR: '50', RATE_OTP_PER_EMAIL_HOUR: '50' } });
  let app: TestApplication;
  let n = 0;

  async function challengeFor(user: string, extra: object = {}, create = true) {
    const email = `${user}@example.com`;
    if (create) await putUser(t.svc, app, user, email);
    const before = t.smtp.to(email).length;
    const start = await browser(t.svc, app).start({ email, ...extra });
    expect(start.status).toBe(202);
    const code = codeFrom(await t.smtp.waitFor(email, before + 1));
    return { challengeId: start.body.challengeId as string, code, email };
  }

  beforeAll(async () => {
    app = await createApplication(t.svc, { otpLength: 8 });
  });

  it('counts wrong codes down with attemptsRemaining, then locks the challenge even for the right code', async () => {
    const { challengeId, code } = await challengeFor(`u${++n}`);
    expect(code).toHaveLength(8);
    const b = browser(t.svc, app);
    for (let left = 4; left >= 0; left--) {
      const res = await b.verify({ challengeId, code: wrong(code) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 'invalid_code', message: expect.any(String), attemptsRemaining: left });
    }
    expectError(await b.verify({ challengeId, code }), 429, 'too_many_attempts');
    const events = await sql(t.databaseUrl, `SELECT type FROM audit_events WHERE data->>'challengeId' = $1 ORDER BY id`, [challengeId]);
    expect(events.map((e) => e.type)).toEqual(['otp.sent', 'otp.verify_failed', 'otp.verify_failed', 'otp.verify_failed', 'otp.verify_failed', 'otp.locked', 'otp.verify_refused']);
  });

  it('accepts the right code after a few wrong ones', async () => {
    const { challengeId, code } = await challengeFor(`u${++n}`);
    const b = browser(t.svc, app);
    expect((await b.verify({ challengeId, code: wrong(code) })).body.attemptsRemaining).toBe(4);
    const ok = await b.verify({ challengeId, code });
    expect(ok.status).toBe(200);
  });

  it('supersedes an older code when a new one is sent for the same user and purpose', async () => {
    const user = `u${++n}`;
    const first = await challengeFor(user);
    const second = await challengeFor(user, {}, false);
    const b = browser(t.svc, app);
    expectError(await b.verify({ challengeId: first.challengeId, code: first.code }), 400, 'session_expired', { reason: 'superseded' });
    expect((await b.verify({ challengeId: second.challengeId, code: second.code })).status).toBe(200);
  });

  it('does not let a recovery code supersede a login code (purpose is part of the binding)', async () => {
    const user = `u${++n}`;
    const login = await challengeFor(user);
    const recovery = await challengeFor(user, { purpose: 'recovery' }, false);
    const b = browser(t.svc, app);
    const r = await b.verify({ challengeId: recovery.challengeId, code: recovery.code });
    expect(r.body.tokenType).toBe('recovery');
    expect((await b.verify({ challengeId: login.challengeId, code: login.code })).body.tokenType).toBe('session');
  });

  it('refuses an expired code with reason expired', async () => {
    const { challengeId, code } = await challengeFor(`u${++n}`);
    await sql(t.databaseUrl, `UPDATE otp_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`, [challengeId]);
    expectError(await browser(t.svc, app).verify({ challengeId, code }), 400, 'session_expired', { reason: 'expired' });
  });

  it('answers 404 challenge_not_found for an unknown challenge, and for another application’s challenge', async () => {
    const { challengeId, code } = await challengeFor(`u${++n}`);
    const other = await createApplication(t.svc, { name: 'Other' });
    expectError(await browser(t.svc, other).verify({ challengeId, code }), 404, 'challenge_not_found');
    expectError(await browser(t.svc, app).verify({ challengeId: crypto.randomUUID(), code: '12345678' }), 404, 'challenge_not_found');
  });

  it('compares codes in constant time: the stored HMAC against the HMAC of the code typed', async () => {
    const { challengeId, code } = await challengeFor(`u${++n}`);
    const [{ stored }] = await sql<{ stored: Buffer }>(t.databaseUrl, `SELECT code_hash AS stored FROM otp_challenges WHERE id = $1`, [challengeId]);
    expect(stored.toString('hex')).toBe(codeHmac(challengeId, code).toString('hex'));
    const typed = codeHmac(challengeId, wrong(code));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof crypto, 'timingSafeEqual');
    try {
      expectError(await browser(t.svc, app).verify({ challengeId, code: wrong(code) }), 400, 'invalid_code', { attemptsRemaining: 4 });
      const compared = spy.mock.calls.map(([x, y]) => [Buffer.from(x as Uint8Array).toString('hex'), Buffer.from(y as Uint8Array).toString('hex')].sort());
      expect(compared).toContainEqual([stored.toString('hex'), typed.toString('hex')].sort());
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses OTP for a user after the daily failure budget, across challenges and resends', async () => {
    const user = `u${++n}`;
    const b = browser(t.svc, app);
    let failures = 0;
    let last = await challengeFor(user);
    while (failures < 8) {
      const res = await b.verify({ challengeId: last.challengeId, code: wrong(last.code) });
      expectError(res, 400, 'invalid_code');
      failures++;
      if (failures % 4 === 0 && failures < 8) last = await challengeFor(user, {}, false); // a resend never resets it
    }
    // The start itself still answers 202 (no account enumeration) but sends no mail ...
    const mailsBefore = t.smtp.to(`${user}@example.com`).length;
    const start = await b.start({ email: `${user}@example.com` });
    expect(start.status).toBe(202);
    // ... and verify is refused for that user, whatever the code.
    const res = await b.verify({ challengeId: start.body.challengeId, code: last.code });
    expectError(res, 429, 'too_many_attempts');
    // No mail may follow the refused start. Absence needs a window: had the start queued a mail, it
    // would arrive well within it (every code in this file does).
    await expectNothingFor(1500, () => expect(t.smtp.to(`${user}@example.com`)).toHaveLength(mailsBefore));
    const refused = await sql(t.databaseUrl, `SELECT count(*)::int AS n FROM audit_events WHERE type = 'otp.refused_locked' AND external_user_id = $1`, [user]);
    expect(refused[0].n).toBe(1);
  });

  it('keeps the daily failure budget in PostgreSQL: a Redis emptied of its limits hands out no fresh budget', async () => {
    const user = `u${++n}`;
    const b = browser(t.svc, app);
    const kept = await challengeFor(user, { purpose: 'recovery' }); // a login start does not supersede it
    let last = await challengeFor(user, {}, false);
    for (let failures = 0; failures < 8; failures++) {
      if (failures === 4) last = await challengeFor(user, {}, false);
      expectError(await b.verify({ challengeId: last.challengeId, code: wrong(last.code) }), 400, 'invalid_code');
    }
    // Every rate-limit key this service keeps in Redis is gone, as after a restart without persistence.
    const redis = new Redis(t.svc.config.redisUrl);
    try {
      const keys = await redis.keys(`${t.svc.config.redisPrefix}:rl:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    expectError(await b.verify({ challengeId: kept.challengeId, code: kept.code }), 429, 'too_many_attempts');
  });

  it("audits each start by what its one statement found, and mails only a known, unlocked user's stored address", async () => {
    const known = `u${++n}`;
    const locked = `u${++n}`;
    await putUser(t.svc, app, known, `${known}@example.com`);
    await putUser(t.svc, app, locked, `${locked}@example.com`);
    await sql(t.databaseUrl, `UPDATE users SET recovery_locked = true WHERE app_id = $1 AND external_user_id = $2`, [app.appId, locked]);
    const b = browser(t.svc, app);
    const starts: Record<string, object> = {
      known: { email: `${known}@example.com` },
      knownById: { externalUserId: known, email: ` ${known.toUpperCase()}@Example.com` },
      locked: { email: `${locked}@example.com` },
      unknown: { email: `nobody-${n}@example.com` },
      wrongAddress: { externalUserId: known, email: `nobody-${n}@example.com` },
    };
    const ids: Record<string, string> = {};
    for (const [name, body] of Object.entries(starts)) {
      const res = await b.start(body);
      expect(res.status).toBe(202);
      ids[name] = res.body.challengeId;
    }
    const events = await sql<{ id: string; type: string; ext: string | null }>(
      t.databaseUrl,
      `SELECT data->>'challengeId' AS id, type, external_user_id AS ext FROM audit_events WHERE data->>'challengeId' = ANY($1::text[])`,
      [Object.values(ids)],
    );
    const byName = (id: string) => Object.keys(ids).find((k) => ids[k] === id);
    expect(Object.fromEntries(events.map((e) => [byName(e.id), [e.type, e.ext]]))).toEqual({
      known: ['otp.sent', known],
      knownById: ['otp.sent', known],
      locked: ['otp.refused_recovery_locked', locked],
      unknown: ['otp.start_unknown_account', null],
      wrongAddress: ['otp.start_unknown_account', known],
    });
    const mails = await sql<{ id: string; to: string }>(t.databaseUrl, `SELECT challenge_id::text AS id, to_address AS to FROM mail_outbox WHERE challenge_id = ANY($1::uuid[])`, [Object.values(ids)]);
    expect(mails.map((m) => [byName(m.id), m.to]).sort()).toEqual([
      ['known', `${known}@example.com`],
      ['knownById', `${known}@example.com`],
    ]);
    // Only a mailed code can match: the other challenges have no user.
    const owners = await sql<{ id: string; owned: boolean }>(t.databaseUrl, `SELECT id::text, user_id IS NOT NULL AS owned FROM otp_challenges WHERE id = ANY($1::uuid[])`, [Object.values(ids)]);
    expect(Object.fromEntries(owners.map((o) => [byName(o.id), o.owned]))).toEqual({ known: true, knownById: true, locked: false, unknown: false, wrongAddress: false });
  });
});
