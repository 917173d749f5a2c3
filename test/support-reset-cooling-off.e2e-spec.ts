import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { otpToken } from './support/passkey-devices';
import { registerSoftPasskey, report, reportLinkFrom, signInWith } from './support/reports';
import { ADMIN_TOKEN, applicationBody, browser, createApplication, putUser, SECRET_KEY, TestApplication } from './support/service';
import { waitFor } from './support/wait';

const DAY_MS = 24 * 3_600_000;

describe('support reset with a cooling-off period', () => {
  const t = useService('cooling_off', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  let app: TestApplication;

  const sk = (a: TestApplication = app) => `Bearer ${a.secretKey}`;
  const admin = () => `Bearer ${ADMIN_TOKEN}`;
  const reset = (id: string, body: object, a: TestApplication = app) =>
    t.svc
      .http()
      .post(`/v1/users/${id}/recovery`)
      .set('authorization', sk(a))
      .send({ actor: 'jane', reason: 'ticket 9', revokeCredentials: 'all', delivery: 'link', ...body });
  const redeem = (link: string, a: TestApplication = app) => browser(t.svc, a).post('/v1/recovery/redeem', { token: new URL(link).hash.replace(/^#token=/, '') });
  const enrollment = async (id: string, a: TestApplication = app) => (await t.svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk(a)).send()).body.token as string;
  const statuses = async (id: string, a: TestApplication = app) =>
    Object.fromEntries((await t.svc.http().get(`/v1/users/${id}`).set('authorization', sk(a))).body.passkeys.map((p: { id: string; status: string }) => [p.id, p.status]));
  const verifySession = (token: string, a: TestApplication = app) => t.svc.http().post('/v1/sessions/verify').set('authorization', sk(a)).send({ token });
  const mailTo = async (email: string, subject: RegExp) =>
    waitFor(() => {
      const m = t.smtp.to(email).find((x) => subject.test(x.subject));
      if (!m) throw new Error(`no mail ${subject} to ${email}`);
      return m;
    });

  beforeAll(async () => {
    app = await createApplication(t.svc, { name: 'Acme' });
  });

  it('is an application setting: default 0s, 0s–72h as a duration, stored in seconds, settable by API and CLI', async () => {
    expect(((await createApplication(t.svc, { name: 'Default' })) as unknown as { supportResetCoolingOff: string }).supportResetCoolingOff).toBe('0s');
    const created = await t.svc
      .http()
      .post('/v1/admin/applications')
      .set('authorization', admin())
      .send(applicationBody({ name: 'Careful', allowedOrigins: ['https://acme.test'], supportResetCoolingOff: '24h' }));
    expect(created.status).toBe(201);
    expect(created.body.supportResetCoolingOff).toBe('24h');
    const [{ seconds }] = await sql<{ seconds: number }>(t.databaseUrl, `SELECT support_reset_cooling_off_seconds AS seconds FROM applications WHERE id = $1`, [created.body.appId]);
    expect(seconds).toBe(86_400);

    const patched = await t.svc.http().patch(`/v1/admin/applications/${created.body.appId}`).set('authorization', admin()).send({ supportResetCoolingOff: '90m' });
    expect(patched.body.supportResetCoolingOff).toBe('90m');
    for (const bad of ['73h', '-1s', 'soon', 5, '1.5h']) {
      const res = await t.svc.http().patch(`/v1/admin/applications/${created.body.appId}`).set('authorization', admin()).send({ supportResetCoolingOff: bad });
      expectError(res, 400, 'invalid_request', { details: [expect.objectContaining({ field: 'supportResetCoolingOff' })] });
    }

    const env = { DATABASE_URL: t.databaseUrl, SECRET_KEY, ADMIN_TOKEN, VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-cli-')), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    let out = '';
    await runCli(['apps:update', created.body.appId, '--support-reset-cooling-off', '72h'], env, (s) => (out += s));
    expect(JSON.parse(out)).toMatchObject({ appId: created.body.appId, supportResetCoolingOff: '72h' });
    await expect(runCli(['apps:update', created.body.appId, '--support-reset-cooling-off', '4d'], env, () => undefined)).rejects.toThrow(/supportResetCoolingOff/);
  });

  it('waits out the period: 409 recovery_pending before availableAt, revocation and session end only at redemption', async () => {
    const email = 'cooling@example.com';
    await putUser(t.svc, app, 'cooling', email);
    const p1 = await registerSoftPasskey(t.svc, app, await enrollment('cooling'));
    const p2 = await registerSoftPasskey(t.svc, app, await enrollment('cooling'));
    await t.smtp.waitFor(email, 2); // both "passkey added" mails, so the code below is read from its own mail
    const session = await otpToken(t.svc, app, t.smtp, email, 'login');

    const requested = Date.now();
    const res = await reset('cooling', { coolingOff: '2s' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ recoveryId: expect.any(String), availableAt: expect.any(String), expiresAt: expect.any(String), link: expect.stringMatching(/^https:\/\/acme\.test\/recover#token=/) });
    const availableAt = Date.parse(res.body.availableAt);
    expect(availableAt - requested).toBeGreaterThan(1500);
    expect(availableAt - requested).toBeLessThan(3000);
    expect(Date.parse(res.body.expiresAt) - availableAt).toBe(DAY_MS);

    // The notice goes out at once, with the link that cancels the reset.
    const notice = await mailTo(email, /support reset/i);
    expect(reportLinkFrom(notice).link).toMatch(/\/report#token=/);

    // Nothing has happened yet: a forged request cannot lock the real user out while it waits.
    expect(await statuses('cooling')).toEqual({ [p1.id]: 'active', [p2.id]: 'active' });
    expect((await verifySession(session)).status).toBe(200);
    expect((await signInWith(t.svc, app, p1)).status).toBe(200);

    const early = await redeem(res.body.link);
    expectError(early, 409, 'recovery_pending', { availableAt: res.body.availableAt });
    expectError(await redeem(res.body.link), 409, 'recovery_pending'); // still unconsumed

    const ok = await waitFor(
      async () => {
        const r = await redeem(res.body.link);
        expect(r.status).toBe(200);
        return r;
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(availableAt);
    expect(ok.body).toMatchObject({ tokenType: 'recovery', user: { externalUserId: 'cooling' } });

    // Now the reset takes effect: every passkey revoked, every older session ended, the new token works.
    expect(await statuses('cooling')).toEqual({ [p1.id]: 'revoked', [p2.id]: 'revoked' });
    expectError(await verifySession(session), 401, 'invalid_token');
    expect((await browser(t.svc, app).get('/v1/recovery/credentials', ok.body.token)).status).toBe(200);
    const revoked = await t.svc.http().get('/v1/audit-events?externalUserId=cooling&type=passkey.revoked').set('authorization', sk());
    expect(revoked.body.events.map((e: { data: { credentialId: string; reason: string } }) => [e.data.credentialId, e.data.reason]).sort()).toEqual(
      [
        [p1.id, 'support_reset'],
        [p2.id, 'support_reset'],
      ].sort(),
    );
    // The revocation is announced like any other, with its own report link.
    const removed = await mailTo(email, /removed/i);
    expect(removed.text).toContain('2 passkey');
    reportLinkFrom(removed);
    expectError(await redeem(res.body.link), 400, 'session_expired', { reason: 'used' });
  });

  it("uses the application's default, which coolingOff overrides; without a period the reset acts at once", async () => {
    const careful = await createApplication(t.svc, { name: 'Careful', supportResetCoolingOff: '1h' });
    await putUser(t.svc, careful, 'dflt', 'dflt@example.com');
    const key = await registerSoftPasskey(t.svc, careful, await enrollment('dflt', careful));
    const waiting = await reset('dflt', {}, careful);
    expect(Date.parse(waiting.body.availableAt) - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(Date.parse(waiting.body.expiresAt) - Date.parse(waiting.body.availableAt)).toBe(DAY_MS);
    expectError(await redeem(waiting.body.link, careful), 409, 'recovery_pending', { availableAt: waiting.body.availableAt });
    expect(await statuses('dflt', careful)).toEqual({ [key.id]: 'active' });

    // coolingOff "0s": as before cooling-off existed, plus the session end, all at creation.
    await t.smtp.waitFor('dflt@example.com', 2); // "passkey added" and "support reset started"
    const session = await otpToken(t.svc, careful, t.smtp, 'dflt@example.com', 'login');
    const now = await reset('dflt', { coolingOff: '0s' }, careful);
    expect(Math.abs(Date.parse(now.body.availableAt) - Date.now())).toBeLessThan(2000);
    expect(Date.parse(now.body.expiresAt) - Date.parse(now.body.availableAt)).toBe(DAY_MS);
    expect(await statuses('dflt', careful)).toEqual({ [key.id]: 'revoked' });
    expectError(await verifySession(session, careful), 401, 'invalid_token');
    // The newer reset superseded the waiting one.
    expectError(await redeem(waiting.body.link, careful), 400, 'session_expired', { reason: 'superseded' });
    const ok = await redeem(now.body.link, careful);
    expect(ok.status).toBe(200);
    expect((await browser(t.svc, careful).get('/v1/recovery/credentials', ok.body.token)).status).toBe(200);

    const audit = await t.svc.http().get('/v1/audit-events?externalUserId=dflt&type=recovery.support_reset').set('authorization', sk(careful));
    expect(audit.body.events.map((e: { data: { coolingOff: string } }) => e.data.coolingOff)).toEqual(['0s', '1h']);
  });

  it('mails the link at once with delivery email; it expires at availableAt + 24 h', async () => {
    await putUser(t.svc, app, 'mailed', 'mailed@example.com', 'fr');
    const res = await reset('mailed', { coolingOff: '1h', delivery: 'email', revokeCredentials: 'none' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ recoveryId: expect.any(String), availableAt: expect.any(String), expiresAt: expect.any(String) });
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.availableAt)).toBe(DAY_MS);
    const linkMail = await waitFor(() => {
      const m = t.smtp.to('mailed@example.com').find((x) => x.text.includes('acme.test/recover#token='));
      if (!m) throw new Error('no recovery link mail yet');
      return m;
    });
    const link = /(https:\/\/acme\.test\/recover#token=[A-Za-z0-9_-]+)/.exec(linkMail.text)![1];
    expect(linkMail.text).toContain('expire dans 25 heures'); // counted to expiresAt, cooling-off included
    expectError(await redeem(link), 409, 'recovery_pending', { availableAt: res.body.availableAt });
  });

  it("cancels the reset from the notice's report link: redeem refused, nothing revoked, account frozen", async () => {
    const email = 'forged@example.com';
    await putUser(t.svc, app, 'forged', email);
    const key = await registerSoftPasskey(t.svc, app, await enrollment('forged'));
    const res = await reset('forged', { coolingOff: '2s' });
    const { token } = reportLinkFrom(await mailTo(email, /support reset/i));
    const reported = await report(t.svc, token);
    expect(reported.body).toEqual({ reported: true });

    // Even once the period is over, the cancelled link does not work.
    await waitFor(() => expect(Date.now()).toBeGreaterThan(Date.parse(res.body.availableAt)), { timeoutMs: 5000, intervalMs: 100 });
    const refused = await redeem(res.body.link);
    expectError(refused, 400, 'session_expired', { reason: 'superseded' });
    expect(refused.body.message).toMatch(/cancelled/);
    expect(await statuses('forged')).toEqual({ [key.id]: 'active' });
    expect((await signInWith(t.svc, app, key)).status).toBe(200);
    expect((await t.svc.http().get('/v1/users/forged').set('authorization', sk())).body.recoveryLocked).toBe(true);
    const cancelled = await t.svc.http().get('/v1/audit-events?externalUserId=forged&type=recovery.cancelled').set('authorization', sk());
    expect(cancelled.body.events).toEqual([expect.objectContaining({ actor: 'end_user', data: expect.objectContaining({ recoveryId: res.body.recoveryId, reason: 'security_report' }) })]);
  });

  it('validates coolingOff', async () => {
    await putUser(t.svc, app, 'val', 'val@example.com');
    for (const coolingOff of ['73h', '-1s', 'soon', 5, '', '2 hours']) {
      const res = await reset('val', { coolingOff });
      expectError(res, 400, 'invalid_request', { details: [expect.objectContaining({ field: 'coolingOff' })] });
    }
    expect((await reset('val', { coolingOff: '72h' })).status).toBe(201);
  });
});
