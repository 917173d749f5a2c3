import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { otpToken } from './support/passkey-devices';
import { preview, registerSoftPasskey, report, reportLinkFrom, signInWith } from './support/reports';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { expectNothingFor } from './support/wait';

describe('"This wasn\'t me" reports: links in security mails, the page, the freeze', () => {
  const t = useService('security_report', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  let app: TestApplication;

  const sk = () => `Bearer ${app.secretKey}`;
  const enrollment = async (id: string) => (await t.svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk()).send()).body.token as string;
  const getUser = (id: string) => t.svc.http().get(`/v1/users/${id}`).set('authorization', sk());
  const passkeyStatus = async (id: string) => Object.fromEntries((await getUser(id)).body.passkeys.map((p: { id: string; status: string }) => [p.id, p.status]));
  const nthMail = (email: string, subject: RegExp, n = 1) => t.smtp.waitForMatching(email, subject, { nth: n });
  const reset = (id: string, body: object) =>
    t.svc
      .http()
      .post(`/v1/users/${id}/recovery`)
      .set('authorization', sk())
      .send({ actor: 'jane', reason: 'ticket 7', delivery: 'link', ...body });
  const linkToken = (link: string) => new URL(link).hash.replace(/^#token=/, '');

  beforeAll(async () => {
    app = await createApplication(t.svc, { name: 'Acme' });
  });

  it('puts a working, single-purpose report link in every security mail, stored only as a keyed hash', async () => {
    await putUser(t.svc, app, 'mails', 'mails@example.com', 'de');
    const key = await registerSoftPasskey(t.svc, app, await enrollment('mails'));
    const added = await nthMail('mails@example.com', /passkey|Passkey/);
    const addedLink = reportLinkFrom(added);
    expect(addedLink.link).toMatch(/^http:\/\/localhost:3000\/report#token=[A-Za-z0-9_-]{43}$/); // PUBLIC_URL, never the request's Host
    expect((await preview(t.svc, addedLink.token)).body).toEqual({ event: 'passkey.registered', occurredAt: expect.any(String), appName: 'Acme', locale: 'de' });

    const removed = await t.svc.http().delete(`/v1/users/mails/credentials/${key.id}`).set('authorization', sk());
    expect(removed.status).toBe(200);
    const removedMail = await nthMail('mails@example.com', /entfernt|removed/i);
    expect((await preview(t.svc, reportLinkFrom(removedMail).token)).body).toMatchObject({ event: 'passkeys.revoked', appName: 'Acme' });

    expect((await reset('mails', { revokeCredentials: 'none' })).status).toBe(201);
    const resetMail = await nthMail('mails@example.com', /Support/i);
    expect((await preview(t.svc, reportLinkFrom(resetMail).token)).body).toMatchObject({ event: 'support_reset.created', appName: 'Acme' });

    const rows = await sql<{ token_hash: Buffer; event: string; event_data: Record<string, unknown>; expires_at: Date; occurred_at: Date }>(
      t.databaseUrl,
      `SELECT r.token_hash, r.event, r.event_data, r.expires_at, r.occurred_at FROM security_reports r JOIN users u ON u.id = r.user_id WHERE u.external_user_id = 'mails' ORDER BY r.created_at`,
    );
    expect(rows.map((r) => r.event)).toEqual(['passkey.registered', 'passkeys.revoked', 'support_reset.created']);
    expect(rows[0].event_data).toEqual({ credentialIds: [key.id] });
    expect(rows[1].event_data).toEqual({ credentialIds: [key.id] });
    expect(rows[2].event_data).toEqual({ recoveryId: expect.any(String) });
    for (const r of rows) {
      expect(r.token_hash).toHaveLength(32);
      expect(r.expires_at.getTime() - r.occurred_at.getTime()).toBe(7 * 24 * 3_600_000);
    }
    const dump = await sql<{ t: string }>(t.databaseUrl, `SELECT string_agg(r::text, '|') AS t FROM security_reports r`);
    expect(dump[0].t).not.toContain(addedLink.token);
    expect(t.svc.logs.join('\n')).not.toContain(addedLink.token);
  });

  it('serves the page with its own assets only, and neither the page nor the preview changes anything', async () => {
    const page = await t.svc.http().get('/report');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//); // no third-party asset
    for (const [path, type] of [
      ['/report/report.js', /javascript/],
      ['/report/report.css', /css/],
    ] as const) {
      const res = await t.svc.http().get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
    }
    expectError(await t.svc.http().get('/report/../package.json'), 404, 'not_found');

    await putUser(t.svc, app, 'scanned', 'scanned@example.com');
    const key = await registerSoftPasskey(t.svc, app, await enrollment('scanned'));
    const { token } = reportLinkFrom(await nthMail('scanned@example.com', /passkey/i));
    const snapshot = () =>
      sql(
        t.databaseUrl,
        `SELECT (SELECT json_agg(r.used_at) FROM security_reports r WHERE r.user_id = u.id) AS used,
                u.recovery_locked, u.sessions_valid_after,
                (SELECT json_agg(p.revoked_at) FROM passkey_credentials p WHERE p.user_id = u.id) AS revoked,
                (SELECT count(*) FROM audit_events a WHERE a.user_id = u.id) AS events
         FROM users u WHERE u.external_user_id = 'scanned'`,
      );
    const before = await snapshot();
    // A link scanner fetches the page and may run it up to the preview; it never presses the button.
    await t.svc.http().get('/report');
    const first = await preview(t.svc, token);
    const second = await preview(t.svc, token);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(second.body).toEqual(first.body);
    expect(Date.parse(first.body.occurredAt)).toBeLessThanOrEqual(Date.now());
    expect(await snapshot()).toEqual(before);
    expect((await signInWith(t.svc, app, key)).status).toBe(200);
  });

  it('freezes the account: revokes only what the event added, cancels the pending reset, ends sessions, locks email recovery', async () => {
    await putUser(t.svc, app, 'victim', 'victim@example.com');
    const email = 'victim@example.com';
    const mine = await registerSoftPasskey(t.svc, app, await enrollment('victim'), 'My phone');
    await nthMail(email, /passkey/i, 1); // mails arrive in order from here on, so codes are read from the right one
    const session = await otpToken(t.svc, app, t.smtp, email, 'login');
    // Someone with the mailbox recovers and adds their own passkey; the user gets the mail.
    const theirs = await registerSoftPasskey(t.svc, app, await otpToken(t.svc, app, t.smtp, email, 'recovery'), 'Intruder');
    const addedMail = await nthMail(email, /passkey/i, 2);
    expect(addedMail.text).toContain('Intruder');
    const { token } = reportLinkFrom(addedMail);
    // A support reset waiting out its cooling-off period, and a live email code.
    const pending = await reset('victim', { revokeCredentials: 'all', coolingOff: '1h' });
    expect(pending.status).toBe(201);
    await nthMail(email, /support/i);
    const mailsBefore = t.smtp.to(email).length;
    const live = await browser(t.svc, app).start({ email, purpose: 'login' });
    const liveCode = codeFrom(await t.smtp.waitFor(email, mailsBefore + 1));

    const before = Date.now();
    const res = await report(t.svc, token, { 'user-agent': 'report-page-test' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reported: true });
    expect(res.headers['cache-control']).toBe('no-store');

    const user = await getUser('victim');
    expect(user.body.recoveryLocked).toBe(true);
    expect(await passkeyStatus('victim')).toEqual({ [mine.id]: 'active', [theirs.id]: 'revoked' });
    expect((await signInWith(t.svc, app, mine)).status).toBe(200);
    expectError(await signInWith(t.svc, app, theirs), 404, 'credential_not_found', { credentialId: theirs.id });

    const [{ sessions_valid_after }] = await sql<{ sessions_valid_after: Date }>(t.databaseUrl, `SELECT sessions_valid_after FROM users WHERE external_user_id = 'victim' AND app_id = $1`, [
      app.appId,
    ]);
    expect(sessions_valid_after.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expectError(await t.svc.http().post('/v1/sessions/verify').set('authorization', sk()).send({ token: session }), 401, 'invalid_token');

    expectError(await browser(t.svc, app).post('/v1/recovery/redeem', { token: linkToken(pending.body.link) }), 400, 'session_expired', { reason: 'superseded' });
    expectError(await browser(t.svc, app).verify({ challengeId: live.body.challengeId, code: liveCode }), 400, 'session_expired', { reason: 'superseded' });

    // Email-OTP start treats the locked user as unknown: the same 202, and no mail.
    const mailsNow = t.smtp.to(email).length;
    const start = await browser(t.svc, app).start({ email, purpose: 'recovery' });
    expect(start.status).toBe(202);
    await expectNothingFor(1500, () => expect(t.smtp.to(email).length).toBe(mailsNow)); // the mail worker delivers well within this
    // No "passkeys removed" notice for what the user reported themselves.
    expect(
      t.smtp
        .to(email)
        .slice(mailsBefore + 1)
        .map((m) => m.subject),
    ).toEqual([]);

    const events = await t.svc.http().get('/v1/audit-events?externalUserId=victim&type=security.reported').set('authorization', sk());
    expect(events.body.events).toEqual([
      expect.objectContaining({
        actor: 'end_user',
        ip: expect.any(String),
        userAgent: 'report-page-test',
        data: expect.objectContaining({ event: 'passkey.registered', credentialIds: [theirs.id], revokedCredentialIds: [theirs.id], cancelledRecoveryIds: [pending.body.recoveryId] }),
      }),
    ]);
    const revokedEvents = await t.svc.http().get('/v1/audit-events?externalUserId=victim&type=passkey.revoked').set('authorization', sk());
    expect(revokedEvents.body.events).toEqual([expect.objectContaining({ data: expect.objectContaining({ credentialId: theirs.id, reason: 'security_report' }) })]);

    // Single use: the link now answers `used`, for the preview too.
    expectError(await report(t.svc, token), 400, 'session_expired', { reason: 'used' });
    expectError(await preview(t.svc, token), 400, 'session_expired', { reason: 'used' });

    // The app backend unlocks (after checking with the user): email recovery works again.
    const unlocked = await t.svc.http().post('/v1/users/victim/unlock').set('authorization', sk()).send({ actor: 'agent:jane', reason: 'user confirmed by phone' });
    expect(unlocked.status).toBe(200);
    expect((await getUser('victim')).body.recoveryLocked).toBe(false);
    const after = t.smtp.to(email).length;
    expect((await browser(t.svc, app).start({ email, purpose: 'recovery' })).status).toBe(202);
    expect(codeFrom(await t.smtp.waitFor(email, after + 1))).toMatch(/^\d{6}$/);
  });

  it('runs in a real browser: shows the event, reports only on the button, CSP-clean', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await putUser(t.svc, app, 'clicker', 'clicker@example.com');
      await registerSoftPasskey(t.svc, app, await enrollment('clicker'), 'Unknown device');
      const { token } = reportLinkFrom(await nthMail('clicker@example.com', /passkey/i));

      await page.goto(`${t.svc.url}/report#token=${token}`);
      await page.getByText('A new passkey was added to your account.').waitFor();
      expect(await page.locator('#undo').textContent()).toMatch(/removes the passkey/);
      expect(await page.locator('[data-t="signOut"]').textContent()).toBe('signs everyone out of your Acme account, on every device;');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(new URL(page.url()).hash).toBe(''); // the token left the address bar
      expect((await getUser('clicker')).body.recoveryLocked).toBe(false); // rendering changed nothing

      await page.getByRole('button', { name: /This wasn't me/ }).click();
      await page.getByText('Your account is secured.').waitFor();
      expect((await getUser('clicker')).body.recoveryLocked).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser?.close();
    }
  });

  it("speaks the language of the mail the link came in, and the browser's before that", async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      await putUser(t.svc, app, 'margot', 'margot@example.com', 'fr');
      await registerSoftPasskey(t.svc, app, await enrollment('margot'), 'Inconnu');
      const mail = await nthMail('margot@example.com', /clé d'accès/i);
      const { token } = reportLinkFrom(mail);
      // A German browser, a French user: the page follows the mail (the user's locale).
      const page = await (await browser.newContext({ locale: 'de-DE' })).newPage();
      await page.goto(`${t.svc.url}/report#token=${token}`);
      await page.getByText("Une nouvelle clé d'accès a été ajoutée à votre compte.").waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('fr');
      expect(await page.locator('#undo').textContent()).toBe("supprime la clé d'accès ajoutée ;");
      expect(await page.locator('[data-t="lock"]').textContent()).toContain('support de Acme');
      await page.getByRole('button', { name: /Ce n'était pas moi/ }).click();
      await page.getByText('Merci. Votre compte est sécurisé.').waitFor();
      // Before (or without) a preview, the browser's language: a broken link in Spanish.
      const spanish = await (await browser.newContext({ locale: 'es-ES' })).newPage();
      await spanish.goto(`${t.svc.url}/report#token=${'A'.repeat(43)}`);
      await spanish.getByText('Este enlace no es válido.', { exact: false }).waitFor();
      expect(await spanish.locator('#title').textContent()).toBe('Este enlace no se puede usar');
    } finally {
      await browser?.close();
    }
  });

  it('answers unknown, expired and malformed tokens with the right errors, with no client id needed', async () => {
    for (const call of [preview, report]) {
      const unknown = await call(t.svc, 'A'.repeat(43));
      expectError(unknown, 401, 'invalid_token');
      expect(unknown.headers['cache-control']).toBe('no-store');
      for (const bad of [undefined, 5, 'short', 'x'.repeat(500), 'not a token at all!!']) expectError(await call(t.svc, bad), 400, 'invalid_request');
    }
    await putUser(t.svc, app, 'late', 'late@example.com');
    await registerSoftPasskey(t.svc, app, await enrollment('late'));
    const { token } = reportLinkFrom(await nthMail('late@example.com', /passkey/i));
    await sql(t.databaseUrl, `UPDATE security_reports SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE external_user_id = 'late')`);
    expectError(await preview(t.svc, token), 400, 'session_expired', { reason: 'expired' });
    expectError(await report(t.svc, token), 400, 'session_expired', { reason: 'expired' });
    expect((await getUser('late')).body.recoveryLocked).toBe(false);
  });
});
