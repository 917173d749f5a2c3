import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { runCli } from '../src/cli';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { otpToken } from './support/passkey-devices';
import { launchBrowser } from './support/browser';
import { preview, report, reportLinkFrom } from './support/reports';
import { ADMIN_TOKEN, browser, createApplication, putUser, SECRET_KEY, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { SoftPasskey } from './support/soft-authenticator';

const ORIGIN = 'https://acme.test';
const BUDGET = 8;

/**
 * TOTP codes from an independent RFC 6238 implementation (OATH Toolkit), never from otplib:
 * `offset` seconds from now, so ±1 step and the next step can be tested without waiting.
 */
function oathtool(secret: string, offset = 0): string {
  const at = Math.floor(Date.now() / 1000) + offset;
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${at}`], { encoding: 'utf8' }).trim();
}

/** Waits out the last two seconds of a 30-second step, so a code computed here is judged in the same step by the service. */
async function awayFromStepEdge(): Promise<void> {
  const into = (Date.now() / 1000) % 30;
  if (into > 28) await new Promise((resolve) => setTimeout(resolve, (30.2 - into) * 1000));
}

/** SPEC §9.4: a second factor for recovery (authenticator apps and recovery codes). */
describe('second factor for recovery', () => {
  const t = useService('second_factor', { smtp: true, env: { OTP_MAX_FAILURES_PER_DAY: String(BUDGET) } });
  let strict: TestApplication;
  let lenient: TestApplication;
  /** Every TOTP secret and recovery code handed out, for the at-rest test. */
  const handedOut: string[] = [];

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const api = (a: TestApplication) => browser(t.svc, a, ORIGIN);
  const del = (a: TestApplication, path: string, token: string) => t.svc.http().delete(path).set('x-client-id', a.clientId).set('origin', ORIGIN).set('authorization', `Bearer ${token}`);

  /** A user with one passkey, signed in with it: the session has amr passkey. */
  async function passkeyUser(a: TestApplication, id: string): Promise<{ email: string; session: string; device: SoftPasskey }> {
    const email = `${id}@example.com`;
    await putUser(t.svc, a, id, email);
    const enrollment = (await t.svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk(a)).send()).body.token as string;
    const device = new SoftPasskey(ORIGIN, 'acme.test');
    const start = await api(a).post('/v1/passkeys/register/start', {}, enrollment);
    const reg = await api(a).post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: device.create(start.body.options) }, enrollment);
    expect(reg.status).toBe(201);
    const auth = await api(a).post('/v1/passkeys/auth/start', {});
    const signIn = await api(a).post('/v1/passkeys/auth/finish', { ceremonyId: auth.body.ceremonyId, response: device.get(auth.body.options) });
    expect(signIn.status).toBe(200);
    await t.smtp.waitFor(email, 1); // "passkey added", so later counts start settled
    return { email, session: signIn.body.token, device };
  }

  /** Each helper waits for the security mail its change sends, so mail counts stay settled. */
  async function enrollTotp(a: TestApplication, email: string, session: string): Promise<{ secret: string; code: string }> {
    const mails = t.smtp.to(email).length;
    const start = await api(a).post('/v1/totp/enroll/start', {}, session);
    expect(start.status).toBe(200);
    handedOut.push(start.body.secret);
    const code = oathtool(start.body.secret);
    const finish = await api(a).post('/v1/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code }, session);
    expect(finish.status).toBe(201);
    await t.smtp.waitFor(email, mails + 1);
    return { secret: start.body.secret, code };
  }

  async function recoveryCodes(a: TestApplication, email: string, session: string): Promise<string[]> {
    const mails = t.smtp.to(email).length;
    const res = await api(a).post('/v1/recovery-codes', {}, session);
    expect(res.status).toBe(201);
    handedOut.push(...res.body.codes, ...res.body.codes.map((c: string) => c.replace('-', '')));
    await t.smtp.waitFor(email, mails + 1);
    return res.body.codes;
  }

  /** An email recovery through the real mail: the whole verify answer. */
  async function emailRecovery(a: TestApplication, email: string) {
    const before = t.smtp.to(email).length;
    const start = await api(a).start({ email, purpose: 'recovery' });
    expect(start.status).toBe(202);
    const code = codeFrom(await t.smtp.waitFor(email, before + 1));
    return api(a).verify({ challengeId: start.body.challengeId, code });
  }

  async function pending(a: TestApplication, email: string): Promise<string> {
    const res = await emailRecovery(a, email);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'recovery_pending', token: expect.any(String), expiresAt: expect.any(String) });
    return res.body.token;
  }

  const answer = (a: TestApplication, token: string, body: object) => api(a).post('/v1/recovery/second-factor', body, token);

  /** The next mail to `email` after the `seen` mails already there. */
  const nextMail = (email: string, seen: number) => t.smtp.waitFor(email, seen + 1);

  beforeAll(async () => {
    strict = await createApplication(t.svc, { name: 'Acme Strict', recoveryPolicy: 'email+second_factor' });
    lenient = await createApplication(t.svc, { name: 'Acme' });
  });

  it('sets the recovery policy through the operator API and the CLI', async () => {
    expect(strict).toMatchObject({ recoveryPolicy: 'email+second_factor' });
    expect(lenient).toMatchObject({ recoveryPolicy: 'email' });
    const admin = `Bearer ${ADMIN_TOKEN}`;
    const bad = await t.svc.http().patch(`/v1/admin/applications/${lenient.appId}`).set('authorization', admin).send({ recoveryPolicy: 'sms' });
    expectError(bad, 400, 'invalid_request');
    const tmp = await createApplication(t.svc, { name: 'Tmp' });
    const patched = await t.svc.http().patch(`/v1/admin/applications/${tmp.appId}`).set('authorization', admin).send({ recoveryPolicy: 'email+second_factor' });
    expect(patched.status).toBe(200);
    expect(patched.body.recoveryPolicy).toBe('email+second_factor');

    const env = { DATABASE_URL: t.databaseUrl, SECRET_KEY, ADMIN_TOKEN, VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-cli-')), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    let out = '';
    await runCli(['apps:update', tmp.appId, '--recovery-policy', 'email'], env, (s) => (out += s));
    expect(JSON.parse(out)).toMatchObject({ appId: tmp.appId, recoveryPolicy: 'email' });
    await expect(runCli(['apps:update', tmp.appId, '--recovery-policy', 'nope'], env, () => undefined)).rejects.toThrow(/recoveryPolicy/);
  });

  it('enrolls an authenticator app from a passkey session with a code computed by oathtool, and announces it', async () => {
    const { email, session } = await passkeyUser(strict, 'ada');
    const start = await api(strict).post('/v1/totp/enroll/start', {}, session);
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ enrollmentId: expect.any(String), secret: expect.stringMatching(/^[A-Z2-7]{32}$/), otpauthUrl: expect.any(String), expiresAt: expect.any(String) });
    handedOut.push(start.body.secret);
    const url = new URL(start.body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Acme Strict:ada@example.com');
    expect(url.searchParams.get('secret')).toBe(start.body.secret);
    expect(url.searchParams.get('issuer')).toBe('Acme Strict');

    const wrong = String((Number(oathtool(start.body.secret)) + 1) % 1_000_000).padStart(6, '0');
    expectError(await api(strict).post('/v1/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code: wrong }, session), 400, 'invalid_code', { attemptsRemaining: 4 });
    const mails = t.smtp.to(email).length;
    // The previous step is inside the ±1 step window.
    await awayFromStepEdge();
    const finish = await api(strict).post('/v1/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code: oathtool(start.body.secret, -30) }, session);
    expect(finish.status).toBe(201);
    const mail = await nextMail(email, mails);
    expect(mail.subject).toMatch(/authenticator app was added/);
    expect(mail.text).toMatch(/\/report#token=/);
    expectError(await api(strict).post('/v1/totp/enroll/finish', { enrollmentId: start.body.enrollmentId, code: oathtool(start.body.secret) }, session), 400, 'session_expired', {
      reason: 'used',
    });
    // Two steps away is outside the window.
    const other = await api(strict).post('/v1/totp/enroll/start', {}, session);
    handedOut.push(other.body.secret);
    expectError(await api(strict).post('/v1/totp/enroll/finish', { enrollmentId: other.body.enrollmentId, code: oathtool(other.body.secret, 90) }, session), 400, 'invalid_code');

    const status = await api(strict).get('/v1/second-factor', session);
    expect(status.body).toMatchObject({ totp: { createdAt: expect.any(String) }, recoveryCodes: { remaining: 0 } });
    const user = await t.svc.http().get('/v1/users/ada').set('authorization', sk(strict));
    expect(user.body.secondFactor).toMatchObject({ totp: { createdAt: expect.any(String) } });
    const audit = await t.svc.http().get('/v1/audit-events?externalUserId=ada&type=second_factor.added').set('authorization', sk(strict));
    expect(audit.body.events).toHaveLength(1);
  });

  it('lets only a passkey session manage a second factor: email-only sessions, recovery and pending tokens get 403', async () => {
    const { email } = await passkeyUser(strict, 'bob');
    const enrollment = (await t.svc.http().post('/v1/users/bob/enrollment').set('authorization', sk(strict)).send()).body.token as string;
    const emailOnly = await otpToken(t.svc, strict, t.smtp, email, 'login', ORIGIN);
    const recovery = await otpToken(t.svc, strict, t.smtp, email, 'recovery', ORIGIN);
    for (const token of [emailOnly, recovery, enrollment]) {
      expectError(await api(strict).post('/v1/totp/enroll/start', {}, token), 403, 'insufficient_scope');
      expectError(await api(strict).post('/v1/totp/enroll/finish', { enrollmentId: '00000000-0000-4000-8000-000000000000', code: '123456' }, token), 403, 'insufficient_scope');
      expectError(await api(strict).post('/v1/recovery-codes', {}, token), 403, 'insufficient_scope');
      expectError(await del(strict, '/v1/totp', token), 403, 'insufficient_scope');
    }
    expect((await api(strict).post('/v1/totp/enroll/start', {}, emailOnly)).body.requiredAmr).toBe('passkey');
    // A recovery token is not a recovery_pending token either.
    expectError(await answer(strict, recovery, { totp: '123456' }), 403, 'insufficient_scope');
  });

  it('under email+second_factor, asks for the authenticator code; a replayed time step is a wrong answer', async () => {
    const { email, session } = await passkeyUser(strict, 'cy');
    const { secret, code: enrolledWith } = await enrollTotp(strict, email, session);
    const token = await pending(strict, email);
    // The pending token does nothing else.
    expectError(await api(strict).get('/v1/recovery/credentials', token), 403, 'insufficient_scope');
    expectError(await api(strict).post('/v1/passkeys/register/start', {}, token), 403, 'insufficient_scope');
    expectError(await answer(strict, token, {}), 400, 'invalid_request');
    expectError(await answer(strict, token, { totp: '123456', recoveryCode: 'AAAAA-BBBBB' }), 400, 'invalid_request');

    // The step used at enrollment is spent.
    expectError(await answer(strict, token, { totp: enrolledWith }), 400, 'invalid_code', { attemptsRemaining: 4 });
    const mails = t.smtp.to(email).length;
    const next = oathtool(secret, 30);
    const ok = await answer(strict, token, { totp: next });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ token: expect.any(String), tokenType: 'recovery', expiresAt: expect.any(String), user: { externalUserId: 'cy' } });
    expect((await api(strict).get('/v1/recovery/credentials', ok.body.token)).status).toBe(200);
    const used = await nextMail(email, mails);
    expect(used.subject).toMatch(/second factor was used/);
    expect(used.text).toMatch(/authenticator app/);
    expect(used.text).toMatch(/\/report#token=/);
    // The pending token is spent; the same step in a new recovery is a replay.
    expectError(await answer(strict, token, { totp: next }), 400, 'session_expired', { reason: 'used' });
    const again = await pending(strict, email);
    expectError(await answer(strict, again, { totp: next }), 400, 'invalid_code', { attemptsRemaining: 4 });
    expectError(await answer(strict, again, { totp: oathtool(secret) }), 400, 'invalid_code', { attemptsRemaining: 3 });

    // The recovery token ends the recovery as any other; the new session records both factors.
    const device = new SoftPasskey(ORIGIN, 'acme.test');
    const regStart = await api(strict).post('/v1/passkeys/register/start', {}, ok.body.token);
    const reg = await api(strict).post('/v1/passkeys/register/finish', { ceremonyId: regStart.body.ceremonyId, response: device.create(regStart.body.options) }, ok.body.token);
    expect(reg.status).toBe(201);
    const claims = await t.svc.http().post('/v1/sessions/verify').set('authorization', sk(strict)).send({ token: reg.body.session.token });
    expect(claims.body.claims).toMatchObject({ scope: 'session', amr: ['email_otp', 'totp', 'passkey'], recovered: true });
  });

  it('accepts a recovery code once; regenerating replaces the whole set', async () => {
    const { email, session } = await passkeyUser(strict, 'dee');
    const codes = await recoveryCodes(strict, email, session);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    const token = await pending(strict, email);
    const mails = t.smtp.to(email).length;
    // Case and dashes do not matter.
    const ok = await answer(strict, token, { recoveryCode: codes[0].replace('-', '').toLowerCase() });
    expect(ok.status).toBe(200);
    expect(ok.body.tokenType).toBe('recovery');
    const used = await nextMail(email, mails);
    expect(used.subject).toMatch(/second factor was used/);
    expect(used.text).toMatch(/9 unused recovery code/);

    const again = await pending(strict, email);
    expectError(await answer(strict, again, { recoveryCode: codes[0] }), 400, 'invalid_code', { attemptsRemaining: 4 });

    const before = t.smtp.to(email).length;
    const fresh = await recoveryCodes(strict, email, session);
    expect((await nextMail(email, before)).subject).toMatch(/New recovery codes/);
    expectError(await answer(strict, again, { recoveryCode: codes[1] }), 400, 'invalid_code', { attemptsRemaining: 3 });
    expect((await answer(strict, again, { recoveryCode: fresh[0] })).status).toBe(200);
    const audit = await t.svc.http().get('/v1/audit-events?externalUserId=dee&type=second_factor.regenerated').set('authorization', sk(strict));
    expect(audit.body.events).toHaveLength(1);
  });

  it('kills a pending token after five wrong answers, even for the right one', async () => {
    const { email, session } = await passkeyUser(strict, 'eve');
    const codes = await recoveryCodes(strict, email, session);
    const token = await pending(strict, email);
    for (let left = 4; left >= 0; left--) {
      expectError(await answer(strict, token, { recoveryCode: 'AAAAA-AAAAA' }), 400, 'invalid_code', { attemptsRemaining: left });
    }
    expectError(await answer(strict, token, { recoveryCode: codes[0] }), 429, 'too_many_attempts');
    // The code was not spent: a new recovery can use it.
    expect((await answer(strict, await pending(strict, email), { recoveryCode: codes[0] })).status).toBe(200);
  });

  it('counts wrong answers against the daily failure budget wrong email codes use', async () => {
    const { email, session } = await passkeyUser(strict, 'fay');
    const codes = await recoveryCodes(strict, email, session);
    // Two wrong email codes, then the right one.
    const before = t.smtp.to(email).length;
    const start = await api(strict).start({ email, purpose: 'recovery' });
    const code = codeFrom(await t.smtp.waitFor(email, before + 1));
    for (let i = 0; i < 2; i++) expectError(await api(strict).verify({ challengeId: start.body.challengeId, code: code === '000000' ? '111111' : '000000' }), 400, 'invalid_code');
    const first = await api(strict).verify({ challengeId: start.body.challengeId, code });
    expect(first.body.tokenType).toBe('recovery_pending');
    for (let i = 0; i < 5; i++) expectError(await answer(strict, first.body.token, { recoveryCode: 'ZZZZZ-ZZZZZ' }), 400, 'invalid_code');
    // 7 failures so far; the 8th is still an ordinary wrong answer, after it the budget is spent.
    const second = await pending(strict, email);
    expectError(await answer(strict, second, { recoveryCode: 'ZZZZZ-ZZZZZ' }), 400, 'invalid_code');
    expectError(await answer(strict, second, { recoveryCode: codes[0] }), 429, 'too_many_attempts');
    const emailStart = await api(strict).start({ email, purpose: 'recovery' });
    expect(emailStart.status).toBe(202);

    // Unlocking gives the budget back; the refused right code was not spent.
    const unlock = await t.svc.http().post('/v1/users/fay/unlock').set('authorization', sk(strict)).send({ actor: 'agent:kim', reason: 'verified by phone' });
    expect(unlock.status).toBe(200);
    expect((await answer(strict, second, { recoveryCode: codes[0] })).status).toBe(200);
  });

  it('leaves users without a factor, and applications with the default policy, on email alone', async () => {
    const plain = await passkeyUser(strict, 'gil');
    const res = await emailRecovery(strict, plain.email);
    expect(res.body.tokenType).toBe('recovery');

    const { email, session } = await passkeyUser(lenient, 'hal');
    await enrollTotp(lenient, email, session);
    await recoveryCodes(lenient, email, session);
    const lenientRes = await emailRecovery(lenient, email);
    expect(lenientRes.body.tokenType).toBe('recovery');
    expect((await api(lenient).get('/v1/recovery/credentials', lenientRes.body.token)).status).toBe(200);
  });

  it('lets a support reset link skip the second factor', async () => {
    const { email, session } = await passkeyUser(strict, 'ivy');
    await enrollTotp(strict, email, session);
    const reset = await t.svc
      .http()
      .post('/v1/users/ivy/recovery')
      .set('authorization', sk(strict))
      .send({ actor: 'agent:kim', reason: 'identity checked by video call', revokeCredentials: 'none', delivery: 'link' });
    expect(reset.status).toBe(201);
    const linkToken = new URL(reset.body.link).hash.replace('#token=', '');
    const redeemed = await api(strict).post('/v1/recovery/redeem', { token: linkToken });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.tokenType).toBe('recovery');
  });

  it('removes the authenticator app and keeps the recovery codes', async () => {
    const { email, session } = await passkeyUser(strict, 'jo');
    const { secret } = await enrollTotp(strict, email, session);
    const codes = await recoveryCodes(strict, email, session);
    const mails = t.smtp.to(email).length;
    const removed = await del(strict, '/v1/totp', session);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ removed: 'totp', recoveryCodes: { remaining: 10 } });
    expect((await nextMail(email, mails)).subject).toMatch(/authenticator app was removed/);
    expectError(await del(strict, '/v1/totp', session), 404, 'not_found');

    const token = await pending(strict, email);
    expectError(await answer(strict, token, { totp: oathtool(secret, 30) }), 400, 'invalid_code');
    expect((await answer(strict, token, { recoveryCode: codes[3] })).status).toBe(200);
  });

  it('removes the second factor a reported event added, and only while it is still the one that event added', async () => {
    const { email, session } = await passkeyUser(strict, 'rex');
    const last = () => t.smtp.to(email).at(-1)!;
    await enrollTotp(strict, email, session);
    const firstTotp = reportLinkFrom(last()).token; // "authenticator app added", enrollment 1
    await recoveryCodes(strict, email, session);
    const codesAdded = reportLinkFrom(last()).token; // first set of codes
    await enrollTotp(strict, email, session);
    const secondTotp = reportLinkFrom(last()).token; // replaced by enrollment 2
    const factors = async () => (await t.svc.http().get('/v1/users/rex').set('authorization', sk(strict))).body.secondFactor;
    const removals = async () =>
      (await t.svc.http().get('/v1/audit-events?externalUserId=rex&type=second_factor.removed').set('authorization', sk(strict))).body.events.map((e: { data: { factor: string; reason: string } }) => [
        e.data.factor,
        e.data.reason,
      ]);

    // The first authenticator is gone already: its report freezes the account but removes nothing.
    expect((await report(t.svc, firstTotp)).status).toBe(200);
    expect(await factors()).toMatchObject({ totp: { createdAt: expect.any(String) }, recoveryCodes: { remaining: 10 } });
    expect(await removals()).toEqual([]);

    // The current authenticator and the current set of codes are what their events added: removed.
    // The authenticator through the page, in Chromium, as the user would.
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${t.svc.url}/report#token=${secondTotp}`);
      await page.getByText('An authenticator app was added to your account.').waitFor();
      expect(await page.locator('#undo').textContent()).toBe('removes that authenticator app;');
      await page.getByRole('button', { name: /This wasn't me/ }).click();
      await page.getByText('Your account is secured.').waitFor();
    } finally {
      await browser.close();
    }
    expect(await factors()).toMatchObject({ totp: null, recoveryCodes: { remaining: 10 } });
    expect((await preview(t.svc, codesAdded)).body).toMatchObject({ event: 'second_factor.added', factor: 'recovery_codes' });
    expect((await report(t.svc, codesAdded)).status).toBe(200);
    expect(await factors()).toMatchObject({ totp: null, recoveryCodes: { remaining: 0 } });
    expect(await removals()).toEqual([
      ['recovery_codes', 'security_report'],
      ['totp', 'security_report'],
    ]);
    const reported = await t.svc.http().get('/v1/audit-events?externalUserId=rex&type=security.reported').set('authorization', sk(strict));
    expect(reported.body.events.map((e: { data: { removedSecondFactors: string[] } }) => e.data.removedSecondFactors)).toEqual([['recovery_codes'], ['totp'], []]);
    expect((await t.svc.http().get('/v1/users/rex').set('authorization', sk(strict))).body.recoveryLocked).toBe(true);
  });

  it('stores no TOTP secret and no recovery code in clear in any table, in Redis or in the logs', async () => {
    expect(handedOut.length).toBeGreaterThan(20);
    const leaks = (text: string) => handedOut.filter((s) => text.includes(s) || text.toLowerCase().includes(s.toLowerCase()) || text.includes(Buffer.from(s).toString('hex')));
    const tables = await sql<{ table_name: string }>(t.databaseUrl, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.map((r) => r.table_name)).toEqual(expect.arrayContaining(['totp_factors', 'totp_enrollments', 'recovery_codes']));
    for (const { table_name } of tables) {
      const dump = await sql<{ row: string }>(t.databaseUrl, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      expect({ table: table_name, leaks: leaks(dump.map((r) => r.row).join('\n')) }).toEqual({ table: table_name, leaks: [] });
    }
    const redis = new Redis(t.svc.config.redisUrl);
    try {
      const keys = await redis.keys(`${t.svc.config.redisPrefix}:*`);
      let dump = keys.join('\n');
      for (const k of keys) if ((await redis.type(k)) === 'string') dump += await redis.get(k);
      expect(leaks(dump)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    expect(leaks(t.svc.logs.join('\n'))).toEqual([]);
  });
});
