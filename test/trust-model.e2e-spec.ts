import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { scrape } from './support/metrics';
import { otpToken } from './support/passkey-devices';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { SoftPasskey } from './support/soft-authenticator';
import { expectNothingFor } from './support/wait';

const ORIGIN = 'https://acme.test';

/** SPEC §9.1: email proof never becomes a silent, permanent factor. */
describe('trust model: who may add a passkey, what ends sessions, no account oracles', () => {
  const t = useService('trust_model', { smtp: true, env: { OTP_MAX_FAILURES_PER_DAY: '3' } });
  let app: TestApplication;
  let prod: TestApplication;

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const enrollment = async (a: TestApplication, id: string) => (await t.svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk(a)).send()).body.token as string;
  const verifySession = (a: TestApplication, token: string) => t.svc.http().post('/v1/sessions/verify').set('authorization', sk(a)).send({ token });

  /** Registers a new passkey with `token` through the real ceremony; returns the finish response. */
  async function register(a: TestApplication, token: string, body: Record<string, unknown> = {}, device = new SoftPasskey(ORIGIN, 'acme.test')) {
    const b = browser(t.svc, a, ORIGIN);
    const start = await b.post('/v1/passkeys/register/start', {}, token);
    if (start.status !== 200) return { start, finish: start, device };
    const finish = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: device.create(start.body.options), ...body }, token);
    return { start, finish, device };
  }

  async function passkeySignIn(a: TestApplication, device: SoftPasskey): Promise<string> {
    const b = browser(t.svc, a, ORIGIN);
    const start = await b.post('/v1/passkeys/auth/start', {});
    const finish = await b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: device.get(start.body.options) });
    expect(finish.status).toBe(200);
    return finish.body.token;
  }

  beforeAll(async () => {
    app = await createApplication(t.svc);
    prod = await createApplication(t.svc, { name: 'Acme prod', mode: 'production' });
  });

  describe('registration authority', () => {
    it('refuses an email-only session, pointing to recovery; enrollment, passkey sessions and recovery tokens may add passkeys, and each is announced', async () => {
      await putUser(t.svc, app, 'reg', 'reg@example.com');
      const first = await register(app, await enrollment(app, 'reg'), { label: 'Laptop' });
      expect(first.finish.status).toBe(201);
      expect((await t.smtp.waitFor('reg@example.com', 1)).subject).toMatch(/passkey/i);

      const emailOnly = await otpToken(t.svc, app, t.smtp, 'reg@example.com', 'login', ORIGIN);
      const refused = await browser(t.svc, app, ORIGIN).post('/v1/passkeys/register/start', {}, emailOnly);
      expectError(refused, 403, 'insufficient_scope', { requiredAmr: 'passkey' });
      expect(refused.body.message).toMatch(/recovery/);
      const refusedFinish = await browser(t.svc, app, ORIGIN).post('/v1/passkeys/register/finish', { ceremonyId: '00000000-0000-4000-8000-000000000000', response: {} }, emailOnly);
      expectError(refusedFinish, 403, 'insufficient_scope');

      const passkeySession = await passkeySignIn(app, first.device);
      const mails = t.smtp.to('reg@example.com').length;
      const second = await register(app, passkeySession, { label: 'Phone' });
      expect(second.finish.status).toBe(201);
      const added = await t.smtp.waitFor('reg@example.com', mails + 1);
      expect(added.text).toContain('Phone');

      const recovery = await otpToken(t.svc, app, t.smtp, 'reg@example.com', 'recovery', ORIGIN);
      const mailsBefore = t.smtp.to('reg@example.com').length;
      expect((await register(app, recovery)).finish.status).toBe(201);
      expect((await t.smtp.waitFor('reg@example.com', mailsBefore + 1)).text).toMatch(/passkey/i);
    });

    it('accepts only one printable line of at most 64 characters as a label', async () => {
      await putUser(t.svc, app, 'lbl', 'lbl@example.com');
      for (const label of ['two\nlines', 'tab\there', 'x'.repeat(65), 'bidi\u202Eevil', '   ']) {
        const res = await register(app, await enrollment(app, 'lbl'), { label });
        expectError(res.finish, 400, 'invalid_request');
        expect(res.finish.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'label' })]));
      }
      const ok = await register(app, await enrollment(app, 'lbl'), { label: 'Ünïcödé key 🔑 ' + 'y'.repeat(40) });
      expect(ok.finish.status).toBe(201);
    });
  });

  describe('sessions end when the account is recovered', () => {
    it('refuses every token issued before a recovery, on every route and in sessions/verify; the new session says it was recovered', async () => {
      await putUser(t.svc, app, 'victim', 'victim@example.com');
      const lost = await register(app, await enrollment(app, 'victim'));
      const attackerPasskeySession = await passkeySignIn(app, lost.device);
      const attackerEmailSession = await otpToken(t.svc, app, t.smtp, 'victim@example.com', 'login', ORIGIN);
      const staleEnrollment = await enrollment(app, 'victim');
      expect((await verifySession(app, attackerPasskeySession)).status).toBe(200);

      const recovery = await otpToken(t.svc, app, t.smtp, 'victim@example.com', 'recovery', ORIGIN);
      const done = await register(app, recovery, { revokeCredentialIds: 'all_others' });
      expect(done.finish.status).toBe(201);
      const fresh = done.finish.body.session.token;

      for (const stale of [attackerPasskeySession, attackerEmailSession]) {
        expectError(await verifySession(app, stale), 401, 'invalid_token', { reason: 'revoked' });
        expectError(await browser(t.svc, app, ORIGIN).get('/v1/passkeys', stale), 401, 'invalid_token', { reason: 'revoked' });
        // The attack this closes: a session from before the recovery adding its own passkey afterwards.
        expectError(await browser(t.svc, app, ORIGIN).post('/v1/passkeys/register/start', {}, stale), 401, 'invalid_token', { reason: 'revoked' });
      }
      expectError(await browser(t.svc, app, ORIGIN).post('/v1/passkeys/register/start', {}, staleEnrollment), 401, 'invalid_token', { reason: 'revoked' });

      const check = await verifySession(app, fresh);
      expect(check.status).toBe(200);
      expect(check.body.claims).toMatchObject({ sub: 'victim', scope: 'session', amr: ['email_otp', 'passkey'], recovered: true });
      expect(check.body.claims).not.toHaveProperty('uid');
      expect((await browser(t.svc, app, ORIGIN).get('/v1/passkeys', fresh)).status).toBe(200);
      // A plain passkey sign-in afterwards is not marked recovered.
      const later = await verifySession(app, await passkeySignIn(app, done.device));
      expect(later.body.claims).not.toHaveProperty('recovered');
    });

    it('lets the app backend end every session of a user', async () => {
      await putUser(t.svc, app, 'ended', 'ended@example.com');
      const session = await otpToken(t.svc, app, t.smtp, 'ended@example.com', 'login', ORIGIN);
      const res = await t.svc.http().post('/v1/users/ended/sessions/revoke').set('authorization', sk(app)).send({ actor: 'agent:kim', reason: 'lost laptop' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ externalUserId: 'ended', sessionsValidAfter: expect.any(String) });
      expectError(await verifySession(app, session), 401, 'invalid_token', { reason: 'revoked' });
      const again = await otpToken(t.svc, app, t.smtp, 'ended@example.com', 'login', ORIGIN);
      expect((await verifySession(app, again)).status).toBe(200);

      expectError(await t.svc.http().post('/v1/users/nobody/sessions/revoke').set('authorization', sk(app)).send({ actor: 'a', reason: 'r' }), 404, 'user_not_found');
      expectError(await t.svc.http().post('/v1/users/ended/sessions/revoke').set('authorization', sk(app)).send({ actor: '' }), 400, 'invalid_request');
      const audit = await t.svc.http().get('/v1/audit-events?externalUserId=ended&type=sessions.revoked').set('authorization', sk(app));
      expect(audit.body.events).toEqual([expect.objectContaining({ type: 'sessions.revoked', actor: 'app_backend:agent:kim', data: { reason: 'lost laptop' } })]);
    });

    it("issues production tokens with the application's own issuer, which another application's issuer check refuses", async () => {
      const other = await createApplication(t.svc, { name: 'Other prod', mode: 'production' });
      await putUser(t.svc, prod, 'iss', 'iss@example.com');
      const token = await otpToken(t.svc, prod, t.smtp, 'iss@example.com', 'login', ORIGIN);
      const claims = decodeJwt(token);
      expect(claims.iss).toBe(`${t.svc.config.publicUrl}/apps/${prod.appId}`);
      expect(claims.aud).toBe(prod.appId);
      const jwks = createRemoteJWKSet(new URL(`${t.svc.url}/.well-known/jwks.json`));
      await expect(jwtVerify(token, jwks, { issuer: `${t.svc.config.publicUrl}/apps/${prod.appId}`, audience: prod.appId })).resolves.toBeDefined();
      await expect(jwtVerify(token, jwks, { issuer: `${t.svc.config.publicUrl}/apps/${other.appId}` })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
      expectError(await verifySession(other, token), 401, 'invalid_token');
    });
  });

  describe('no account oracles', () => {
    it('matches the stored address exactly: a +tag is another mailbox, and an address two users share is unknown', async () => {
      await putUser(t.svc, app, 'tag', 'tag@example.com');
      await putUser(t.svc, app, 'twin1', 'shared@example.com');
      await putUser(t.svc, app, 'twin2', 'Shared@Example.com');
      const b = browser(t.svc, app, ORIGIN);
      for (const email of ['tag+x@example.com', 'shared@example.com']) expect((await b.start({ email })).status).toBe(202);
      expect((await b.start({ email: '  TAG@Example.com ' })).status).toBe(202);
      await t.smtp.waitFor('tag@example.com');
      await expectNothingFor(1000, () => {
        expect(t.smtp.to('tag@example.com')).toHaveLength(1);
        expect(t.smtp.to('shared@example.com')).toHaveLength(0);
        expect(t.smtp.to('Shared@Example.com')).toHaveLength(0);
      });
      // Naming the account resolves the ambiguity.
      expect((await b.start({ email: 'shared@example.com', externalUserId: 'twin1' })).status).toBe(202);
      await t.smtp.waitFor('shared@example.com');
    });

    it('keys the per-user limit on the identity the caller named, so statuses and headers match for known and unknown accounts', async () => {
      await putUser(t.svc, app, 'limited', 'limited@example.com');
      const b = browser(t.svc, app, ORIGIN);
      const series = async (body: Record<string, string>) => {
        const seen: unknown[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await b.start(body);
          seen.push([res.status, res.headers['x-ratelimit-limit'], res.headers['x-ratelimit-remaining'], res.body.code ?? null]);
        }
        return seen;
      };
      // Each series uses addresses of its own, so only the per-user limit (3/h) decides.
      const known = await series({ email: 'limited@example.com' });
      expect(known[3]).toEqual([429, '3', '0', 'rate_limit_exceeded']);
      expect(await series({ email: 'unlimited-ghost@example.com' })).toEqual(known);
      await putUser(t.svc, app, 'limited2', 'limited2@example.com');
      await putUser(t.svc, app, 'limited3', 'limited3@example.com');
      expect(await series({ email: 'limited2@example.com', externalUserId: 'limited2' })).toEqual(known);
      expect(await series({ email: 'ghost3@example.com', externalUserId: 'ghost-id' })).toEqual(known);
      expect(await series({ email: 'ghost4@example.com', externalUserId: 'limited3' })).toEqual(known);
    });

    it('never lists credential ids in passkey sign-in options, and /metrics does not count known and unknown starts apart', async () => {
      await putUser(t.svc, app, 'listed', 'listed@example.com');
      expect((await register(app, await enrollment(app, 'listed'))).finish.status).toBe(201);
      const b = browser(t.svc, app, ORIGIN);
      const known = await b.post('/v1/passkeys/auth/start', { externalUserId: 'listed' });
      const unknown = await b.post('/v1/passkeys/auth/start', { externalUserId: 'nobody-here' });
      expect(known.body.options.allowCredentials).toEqual([]);
      expect(Object.keys(known.body.options).sort()).toEqual(Object.keys(unknown.body.options).sort());
      expect(unknown.body.options.allowCredentials).toEqual([]);

      const metrics = await scrape(t.svc);
      const starts = metrics.text.split('\n').filter((l) => l.startsWith('mellon_otp_start_total'));
      expect(starts.length).toBeGreaterThan(0);
      expect(starts.join('\n')).not.toMatch(/account=|known/);
    });
  });

  describe('the daily failure budget and the unlock', () => {
    it("refuses a locked-out user's right code before consuming or auditing it, and unlock gives the budget back", async () => {
      await putUser(t.svc, app, 'budget', 'budget@example.com');
      const b = browser(t.svc, app, ORIGIN);
      const start = await b.start({ email: 'budget@example.com' });
      const code = codeFrom(await t.smtp.waitFor('budget@example.com'));
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 3; i++) expectError(await b.verify({ challengeId: start.body.challengeId, code: wrong }), 400, 'invalid_code');

      expectError(await b.verify({ challengeId: start.body.challengeId, code }), 429, 'too_many_attempts');
      const [row] = await sql<{ consumed_at: Date | null }>(t.databaseUrl, `SELECT consumed_at FROM otp_challenges WHERE id = $1`, [start.body.challengeId]);
      expect(row.consumed_at).toBeNull();
      const verified = await sql(t.databaseUrl, `SELECT 1 FROM audit_events WHERE type = 'otp.verified' AND external_user_id = 'budget'`);
      expect(verified).toEqual([]);

      const unlock = await t.svc.http().post('/v1/users/budget/unlock').set('authorization', sk(app)).send({ actor: 'agent:kim', reason: 'verified by phone' });
      expect(unlock.status).toBe(200);
      expect(unlock.body).toEqual({ externalUserId: 'budget', recoveryLocked: false });
      const ok = await b.verify({ challengeId: start.body.challengeId, code });
      expect(ok.status).toBe(200);
      const user = await t.svc.http().get('/v1/users/budget').set('authorization', sk(app));
      expect(user.body).toMatchObject({ externalUserId: 'budget', recoveryLocked: false });
    });
  });
});
