import { barrier } from './support/barrier';
import { Device } from './support/browser';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { assertion, otpToken, register, RpPage, RpWindow, signIn } from './support/passkey-devices';
import { useRelyingParty } from './support/relying-party';
import { browser as api, putUser, TestApplication } from './support/service';

/**
 * Real passkeys: Chromium with CDP virtual authenticators, one per device, on a relying-party
 * page at http://localhost:<port> (rpId "localhost"), against a production-mode application.
 * Every test has its own user and its own devices.
 */
describe('passkeys and recovery in a real browser', () => {
  const t = useService('browser_passkeys', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  const party = useRelyingParty(t);
  const { device, sk, enrollmentToken, passkeyOf } = party;
  let rp: RpPage;
  let app: TestApplication;
  let userSeq = 0;

  const claimsOf = async (token: string, scope = 'session') => (await t.svc.http().post('/v1/sessions/verify').set('authorization', sk()).send({ token, scope })).body.claims;
  const listFromPage = (d: Device, token: string) => d.page.evaluate((bearer) => (window as unknown as RpWindow).api('GET', '/v1/recovery/credentials', undefined, bearer), token);

  async function newUser(): Promise<{ user: string; email: string }> {
    const user = `user${++userSeq}`;
    const email = `${user}@example.com`;
    await putUser(t.svc, app, user, email);
    return { user, email };
  }

  /** A device holding one registered passkey of `user`, made with an enrollment token. */
  async function enrolledDevice(user: string, label: string): Promise<{ d: Device; id: string }> {
    const d = await device();
    const reg = await register(d.page, await enrollmentToken(user), { label });
    if (reg.status !== 201) throw new Error(`enrollment failed: ${JSON.stringify(reg)}`);
    return { d, id: (await passkeyOf(d))[0] };
  }

  beforeAll(() => {
    ({ rp, app } = party);
  });

  it('device A registers a first passkey with an enrollment token and signs in with it', async () => {
    const { user } = await newUser();
    const a = await device();
    const enrollment = await enrollmentToken(user);
    const reg = await register(a.page, enrollment, { label: 'Device A' });
    expect(reg).toMatchObject({ step: 'finish', status: 201 });
    const [id] = await passkeyOf(a);
    expect(reg.body!.credential).toMatchObject({ id, label: 'Device A', status: 'active', deviceType: 'singleDevice', transports: expect.arrayContaining(['internal']) });
    expect(await claimsOf(reg.body!.session.token)).toMatchObject({ sub: user, scope: 'session', amr: ['passkey'] });

    // The enrollment token was spent by the registration.
    expect(await register(a.page, enrollment)).toMatchObject({ step: 'start', status: 400, body: { code: 'session_expired', reason: 'used' } });

    for (const who of [user, undefined]) {
      const res = await signIn(a.page, who);
      expect(res).toMatchObject({ step: 'finish', status: 200, body: { tokenType: 'session', user: { externalUserId: user } } });
      expect(await claimsOf(res.body!.token)).toMatchObject({ sub: user, aud: app.appId, scope: 'session', amr: ['passkey'] });
    }
    const view = await t.svc.http().get(`/v1/users/${user}`).set('authorization', sk());
    expect(view.body.passkeys).toEqual([expect.objectContaining({ id, status: 'active', lastUsedAt: expect.any(String) })]);
  });

  it("device B cannot use A's passkey", async () => {
    const { user } = await newUser();
    const a = await enrolledDevice(user, 'Device A');
    const b = await device();
    expect(await passkeyOf(b)).toEqual([]);
    const named = await signIn(b.page, user);
    // Options never list credential ids (SPEC §9.1), so B's authenticator simply has nothing for this site.
    expect(named.options!.allowCredentials).toEqual([]);
    expect(a.id).toBeTruthy();
    expect(named).toMatchObject({ step: 'browser', error: 'NotAllowedError' });
    expect(await signIn(b.page)).toMatchObject({ step: 'browser', error: 'NotAllowedError' });
  });

  it('finishes one real assertion once: of two concurrent finishes exactly one signs in, and a replay fails', async () => {
    const { user } = await newUser();
    const a = await enrolledDevice(user, 'Device A');
    const got = await assertion(a.d.page);
    expect(got.error).toBeUndefined();
    const client = api(t.svc, app, rp.origin);
    const gate = barrier(2);
    const results = await Promise.all(
      [0, 1].map(async () => {
        await gate();
        return client.post('/v1/passkeys/auth/finish', { ceremonyId: got.ceremonyId, response: got.response });
      }),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)!.body).toMatchObject({ code: 'session_expired', reason: 'used' });

    // The same signed assertion on a fresh ceremony: the challenge does not match.
    const fresh = await client.post('/v1/passkeys/auth/start', {});
    const replay = await client.post('/v1/passkeys/auth/finish', { ceremonyId: fresh.body.ceremonyId, response: got.response });
    expectError(replay, 422, 'webauthn_verification_failed');
  });

  it('device B recovers by email, registers a passkey and revokes A; A is then refused', async () => {
    const { user, email } = await newUser();
    const a = await enrolledDevice(user, 'Device A');
    const b = await device();
    const recovery = await otpToken(t.svc, app, t.smtp, email, 'recovery', rp.origin);
    const listed = await listFromPage(b, recovery);
    expect(listed.body.credentials).toEqual([expect.objectContaining({ id: a.id, label: 'Device A', status: 'active' })]);

    const mailsBefore = t.smtp.to(email).length;
    const reg = await register(b.page, recovery, { label: 'Device B', revokeCredentialIds: [a.id] });
    expect(reg).toMatchObject({ step: 'finish', status: 201 });
    const [bId] = await passkeyOf(b);
    expect(reg.body).toMatchObject({
      credential: { id: bId, label: 'Device B', status: 'active' },
      revokedCredentialIds: [a.id],
      signal: { rpId: 'localhost', allAcceptedCredentialIds: [bId] },
    });
    expect(await claimsOf(reg.body!.session.token)).toMatchObject({ scope: 'session', amr: ['email_otp', 'passkey'] });

    // The security notices arrive: a passkey was added through recovery, one was removed.
    await t.smtp.waitFor(email, mailsBefore + 2);
    const notices = t.smtp.to(email).slice(mailsBefore);
    const added = notices.find((m) => /new passkey was added/i.test(m.subject))!;
    expect(added.text).toContain('Device B');
    expect(added.text).toContain("If this wasn't you");
    expect(notices.some((m) => /passkeys were removed/i.test(m.subject) && m.text.includes('1 passkey'))).toBe(true);

    // The recovery token is spent: it neither lists nor registers again.
    expect(await register(b.page, recovery)).toMatchObject({ step: 'start', status: 400, body: { code: 'session_expired', reason: 'used' } });
    expect(await listFromPage(b, recovery)).toMatchObject({ status: 400, body: { code: 'session_expired', reason: 'used' } });

    // A still holds its passkey, but the service refuses it and names it, for signalUnknownCredential.
    expect(await passkeyOf(a.d)).toEqual([a.id]);
    expect(await signIn(a.d.page)).toMatchObject({ step: 'finish', status: 404, body: { code: 'credential_not_found', credentialId: a.id } });
    // Named sign-in lists no credential ids either, so A's authenticator offers its passkey and the service names it dead.
    expect(await signIn(a.d.page, user)).toMatchObject({ step: 'finish', status: 404, body: { code: 'credential_not_found', credentialId: a.id } });
    expect(await signIn(b.page, user)).toMatchObject({ step: 'finish', status: 200 });

    const audit = await t.svc.http().get(`/v1/audit-events?externalUserId=${user}&limit=200`).set('authorization', sk());
    const types = audit.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['passkey.registered', 'passkey.signed_in', 'passkey.revoked', 'passkey.sign_in_refused', 'recovery.started', 'recovery.completed']));
    const completed = audit.body.events.find((e: { type: string }) => e.type === 'recovery.completed');
    expect(completed).toMatchObject({ actor: 'end_user', ip: '127.0.0.1', userAgent: expect.stringContaining('Chrome'), data: { credentialId: bId, method: 'email_otp', revokedCount: 1 } });
  });

  it('a support reset revokes every passkey and its emailed link lets device C register and sign in', async () => {
    const { user, email } = await newUser();
    const a = await enrolledDevice(user, 'Device A');
    const b = await enrolledDevice(user, 'Device B');
    const c = await device();
    const before = t.smtp.to(email).length;
    const reset = await t.svc
      .http()
      .post(`/v1/users/${user}/recovery`)
      .set('authorization', sk())
      .send({ actor: 'jane@support', reason: 'lost both devices', revokeCredentials: 'all', delivery: 'email' });
    expect(reset.status).toBe(201);
    await t.smtp.waitFor(email, before + 2);
    const linkMail = t.smtp
      .to(email)
      .slice(before)
      .find((m) => m.text.includes('/recover#token='))!;
    const link = /(http\S+\/recover#token=[A-Za-z0-9_-]+)/.exec(linkMail.text)![1];
    expect(link.startsWith(`${rp.origin}/recover#token=`)).toBe(true);

    for (const old of [a, b]) {
      expect(await signIn(old.d.page)).toMatchObject({ step: 'finish', status: 404, body: { code: 'credential_not_found', credentialId: old.id } });
    }

    // Device C opens the link; the page hands the fragment's token to redeem.
    await rp.open(c.page, t.svc, app, new URL(link).pathname + new URL(link).hash);
    const redeem = () => c.page.evaluate(() => (window as unknown as RpWindow).api('POST', '/v1/recovery/redeem', { token: new URLSearchParams(location.hash.slice(1)).get('token') }));
    const redeemed = await redeem();
    expect(redeemed).toMatchObject({ status: 200, body: { tokenType: 'recovery', user: { externalUserId: user } } });
    expect(await claimsOf(redeemed.body.token, 'recovery')).toMatchObject({ scope: 'recovery', amr: ['recovery_link'] });
    expect(await redeem()).toMatchObject({ status: 400, body: { code: 'session_expired', reason: 'used' } });

    const reg = await register(c.page, redeemed.body.token, { label: 'Device C', revokeCredentialIds: 'all_others' });
    expect(reg).toMatchObject({ step: 'finish', status: 201, body: { revokedCredentialIds: [] } });
    const [cId] = await passkeyOf(c);
    expect(await register(c.page, redeemed.body.token)).toMatchObject({ step: 'start', status: 400, body: { code: 'session_expired', reason: 'used' } });

    const res = await signIn(c.page, user);
    expect(res).toMatchObject({ step: 'finish', status: 200 });
    expect(await claimsOf(res.body!.token)).toMatchObject({ amr: ['passkey'] });
    const view = await t.svc.http().get(`/v1/users/${user}`).set('authorization', sk());
    expect(view.body.passkeys.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      [a.id, 'revoked'],
      [b.id, 'revoked'],
      [cId, 'active'],
    ]);
    const added = await t.smtp.waitFor(email, before + 3);
    expect(added.subject).toMatch(/new passkey was added/i);
  });
});
