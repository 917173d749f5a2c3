import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { otpToken, register, RpPage, signIn } from './support/passkey-devices';
import { useRelyingParty } from './support/relying-party';
import { browser as api, putUser, TestApplication } from './support/service';
import { ReceivedMail } from './support/smtp';
import { expectNothingFor } from './support/wait';

/** The "This wasn't me" link of a security mail, pointed at this test's instance (PUBLIC_URL is fixed in tests). */
function reportLink(mail: ReceivedMail, serviceUrl: string): string {
  const m = /(https?:\/\/[^\s"<>]+\/report#token=[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!m) throw new Error(`no report link in "${mail.subject}"`);
  const link = new URL(m[1]);
  return `${serviceUrl}${link.pathname}${link.hash}`;
}

/**
 * SPEC §9.1 end to end in Chromium with virtual authenticators: someone who briefly controls the
 * mailbox cannot add a passkey with an email-code session; if they recover the account, the real
 * user's "This wasn't me" link freezes it and their own passkey keeps working.
 */
describe('trust model in a real browser', () => {
  const t = useService('browser_trust', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  const party = useRelyingParty(t, { keepDevices: true });
  const { device, sk, passkeyOf } = party;
  let rp: RpPage;
  let app: TestApplication;
  const verifySession = (token: string) => t.svc.http().post('/v1/sessions/verify').set('authorization', sk()).send({ token });

  beforeAll(() => {
    ({ rp, app } = party);
  });

  it("refuses an email-code session a passkey; a recovery is reported from the mail's link, which freezes the account until the app unlocks it", async () => {
    const email = 'victim@example.com';
    await putUser(t.svc, app, 'victim', email);
    const owner = await device();
    const enrollment = (await t.svc.http().post('/v1/users/victim/enrollment').set('authorization', sk()).send()).body.token;
    expect((await register(owner.page, enrollment, { label: 'Owner laptop' })).status).toBe(201);
    const ownerPasskey = (await passkeyOf(owner))[0];

    // The attacker reads one code from the mailbox: an email-only session cannot add a passkey.
    const attacker = await device();
    const emailSession = await otpToken(t.svc, app, t.smtp, email, 'login', rp.origin);
    const refused = await register(attacker.page, emailSession, { label: 'Attacker' });
    expect(refused).toMatchObject({ step: 'start', status: 403, body: { code: 'insufficient_scope' } });
    expect(refused.body.message).toMatch(/recovery/);
    expect(await passkeyOf(attacker)).toEqual([]);

    // A recovery works, but it ends the attacker's own earlier session and is announced.
    const recovery = await otpToken(t.svc, app, t.smtp, email, 'recovery', rp.origin);
    const mailsBefore = t.smtp.to(email).length;
    const added = await register(attacker.page, recovery, { label: 'Attacker phone' });
    expect(added.status).toBe(201);
    const attackerSession = added.body!.session.token;
    expectError(await verifySession(emailSession), 401, 'invalid_token', { reason: 'revoked' });
    const notice = await t.smtp.waitFor(email, mailsBefore + 1);
    expect(notice.subject).toMatch(/new passkey/i);

    // The owner opens "This wasn't me": the page only previews until the button is pressed.
    const page = (await device()).page;
    const link = reportLink(notice, t.svc.url);
    const landing = await page.goto(link);
    expect(landing!.headers()['referrer-policy']).toBe('no-referrer');
    expect(landing!.headers()['cache-control']).toMatch(/no-store/);
    await page.getByText('A new passkey was added to your account').waitFor();
    expect(page.url()).not.toContain('token='); // the token leaves the address bar
    // Loading (as a link scanner would) changed nothing: the attacker still signs in.
    expect((await verifySession(attackerSession)).status).toBe(200);
    await page.getByRole('button', { name: /This wasn't me/ }).click();
    await page.getByRole('heading', { name: 'Reported' }).waitFor();

    // Frozen: the reported passkey is revoked, every session ended, recovery by email locked.
    expectError(await verifySession(attackerSession), 401, 'invalid_token', { reason: 'revoked' });
    expect(await signIn(attacker.page)).toMatchObject({ step: 'finish', status: 404, body: { code: 'credential_not_found' } });
    const user = await t.svc.http().get('/v1/users/victim').set('authorization', sk());
    expect(user.body).toMatchObject({ recoveryLocked: true });
    expect(user.body.passkeys).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: ownerPasskey, status: 'active' }), expect.objectContaining({ label: 'Attacker phone', status: 'revoked' })]),
    );
    const lockedMails = t.smtp.to(email).length;
    expect((await api(t.svc, app, rp.origin).start({ email, purpose: 'recovery' })).status).toBe(202);
    await expectNothingFor(1000, () => expect(t.smtp.to(email)).toHaveLength(lockedMails));

    // The owner's own passkey, which the report did not touch, still signs in.
    expect(await signIn(owner.page, 'victim')).toMatchObject({ step: 'finish', status: 200 });

    // Support checks who they talk to and unlocks: email recovery works again.
    const unlock = await t.svc.http().post('/v1/users/victim/unlock').set('authorization', sk()).send({ actor: 'agent:kim', reason: 'owner verified by video call' });
    expect(unlock.status).toBe(200);
    await otpToken(t.svc, app, t.smtp, email, 'recovery', rp.origin);
  });
});
