import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { ADMIN_TOKEN, applicationBody, browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';
import { expectNothingFor } from './support/wait';

/** Issue 8 item 5: the sender name, Accept-Language, and per-application templates (docs/mail.md). */
describe('mail customization', () => {
  const t = useService('mail_custom', { smtp: true });
  const admin = () => ({
    get: (path: string) => t.svc.http().get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`),
    put: (path: string, body: object) => t.svc.http().put(path).set('authorization', `Bearer ${ADMIN_TOKEN}`).send(body),
    post: (path: string, body: object) => t.svc.http().post(path).set('authorization', `Bearer ${ADMIN_TOKEN}`).send(body),
    patch: (path: string, body: object) => t.svc.http().patch(path).set('authorization', `Bearer ${ADMIN_TOKEN}`).send(body),
    delete: (path: string) => t.svc.http().delete(path).set('authorization', `Bearer ${ADMIN_TOKEN}`),
  });
  const templates = (app: TestApplication, rest = '') => `/v1/admin/applications/${app.appId}/templates${rest}`;
  const mailTo = async (app: TestApplication, email: string, n: number, start: object = {}, headers: Record<string, string> = {}) => {
    const req = browser(t.svc, app).start({ email, ...start });
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    expect((await req).status).toBe(202);
    return t.smtp.waitFor(email, n);
  };

  describe('sender name', () => {
    it('sends From "Name <address>" as the application sets it', async () => {
      const app = await createApplication(t.svc, { mailFrom: 'Acme Support <support@acme.test>' });
      expect(app).toMatchObject({ mailFrom: 'Acme Support <support@acme.test>' });
      await putUser(t.svc, app, 'named', 'named@example.com');
      const mail = await mailTo(app, 'named@example.com', 1);
      expect(mail.raw.from?.value).toEqual([{ name: 'Acme Support', address: 'support@acme.test' }]);
    });

    it('keeps a plain address working, and a name can be set later', async () => {
      const app = await createApplication(t.svc, { mailFrom: 'no-reply@acme.test' });
      await putUser(t.svc, app, 'plain', 'plain@example.com');
      expect((await mailTo(app, 'plain@example.com', 1)).raw.from?.value).toEqual([{ name: '', address: 'no-reply@acme.test' }]);
      const res = await admin().patch(`/v1/admin/applications/${app.appId}`, { mailFrom: '"Acme, Inc." <no-reply@acme.test>' });
      expect(res.status).toBe(200);
      expect((await mailTo(app, 'plain@example.com', 2)).raw.from?.value).toEqual([{ name: 'Acme, Inc.', address: 'no-reply@acme.test' }]);
    });

    it.each([
      ['two addresses', 'a@acme.test, b@acme.test'],
      ['a name without an address', 'Acme Support'],
      ['an invalid address', 'Acme <not-an-address>'],
      ['a group', 'Team: a@acme.test, b@acme.test;'],
      ['a header injection', 'Acme\r\nBcc: victim@example.com <a@acme.test>'],
      ['an over-long name', `${'A'.repeat(101)} <a@acme.test>`],
    ])('refuses %s', async (_what, mailFrom) => {
      const res = await admin().post('/v1/admin/applications', applicationBody({ name: 'X', allowedOrigins: ['https://acme.test'], rpName: 'X', recoveryUrl: 'https://acme.test/r', mailFrom }));
      expectError(res, 400, 'invalid_request', { details: [{ field: 'mailFrom', problem: expect.stringMatching(/one address/) }] });
    });
  });

  describe('Accept-Language', () => {
    let app: TestApplication;
    beforeAll(async () => {
      app = await createApplication(t.svc, { locale: 'en' });
    });

    it('picks the mail locale of a browser request when nothing else names one', async () => {
      await putUser(t.svc, app, 'al-es', 'al-es@example.com');
      const mail = await mailTo(app, 'al-es@example.com', 1, {}, { 'accept-language': 'es-ES,es;q=0.9' });
      expect(mail.subject).toMatch(/es tu código de acceso a Acme$/);
    });

    it('honours q-values and skips unsupported languages', async () => {
      await putUser(t.svc, app, 'al-q', 'al-q@example.com');
      const mail = await mailTo(app, 'al-q@example.com', 1, {}, { 'accept-language': 'ja-JP, en;q=0.2, de;q=0.8, fr;q=0' });
      expect(mail.subject).toMatch(/ist Ihr Anmeldecode für Acme$/);
    });

    it("loses to the user's stored locale, and to the request's own locale", async () => {
      await putUser(t.svc, app, 'al-fr', 'al-fr@example.com', 'fr');
      expect((await mailTo(app, 'al-fr@example.com', 1, {}, { 'accept-language': 'es' })).subject).toMatch(/est votre code de connexion/);
      expect((await mailTo(app, 'al-fr@example.com', 2, { locale: 'de' }, { 'accept-language': 'es' })).subject).toMatch(/ist Ihr Anmeldecode/);
    });

    it("falls back to the application's locale", async () => {
      await putUser(t.svc, app, 'al-none', 'al-none@example.com');
      expect((await mailTo(app, 'al-none@example.com', 1, {}, { 'accept-language': 'ja, zh;q=0.5, *;q=0.1' })).subject).toMatch(/is your Acme sign-in code$/);
    });
  });

  describe('per-application templates', () => {
    let app: TestApplication;
    let other: TestApplication;
    const custom = {
      subject: '{{code}} · your {{appName}} code (custom)',
      text: 'Custom text. Code: {{code}}, valid {{expiresMinutes}} min.',
      html: '<div class="brand"><p>{{appName}} says: <b>{{code}}</b></p>{{#if expiresMinutes}}<small>{{expiresMinutes}} min</small>{{/if}}</div>',
    };

    beforeAll(async () => {
      app = await createApplication(t.svc, { name: 'Acme <Labs>', mailFrom: 'Acme <no-reply@acme.test>' });
      other = await createApplication(t.svc, { name: 'Other' });
    });

    it('stores an override and the worker sends it (HTML-escaped), for that application and locale only', async () => {
      const put = await admin().put(templates(app, '/otp-login/en'), custom);
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ template: 'otp-login', locale: 'en', ...custom });

      await putUser(t.svc, app, 'ov', 'ov@example.com');
      const mail = await mailTo(app, 'ov@example.com', 1);
      expect(mail.subject).toMatch(/^\d{6} · your Acme <Labs> code \(custom\)$/);
      expect(mail.text).toContain(`Custom text. Code: ${codeFrom(mail)}, valid 10 min.`);
      expect(mail.html).toContain(`<p>Acme &lt;Labs&gt; says: <b>${codeFrom(mail)}</b></p>`);
      expect(
        (
          await browser(t.svc, app).verify({
            challengeId: (await sql<{ id: string }>(t.databaseUrl, `SELECT id FROM otp_challenges WHERE app_id = $1 ORDER BY created_at DESC LIMIT 1`, [app.appId]))[0].id,
            code: codeFrom(mail),
          })
        ).status,
      ).toBe(200);

      // another locale of the same application, and another application, keep the bundled templates
      expect((await mailTo(app, 'ov@example.com', 2, { locale: 'es' })).subject).toMatch(/es tu código de acceso/);
      await putUser(t.svc, other, 'ov', 'ov-other@example.com');
      expect((await mailTo(other, 'ov-other@example.com', 1)).subject).toMatch(/is your Other sign-in code$/);
    });

    it('lists and shows overrides, and the bundled template to start from', async () => {
      const list = await admin().get(templates(app));
      expect(list.status).toBe(200);
      expect(list.body.overrides).toEqual([expect.objectContaining({ template: 'otp-login', locale: 'en', subject: custom.subject })]);
      expect((await admin().get(templates(app, '/otp-login/en'))).body).toMatchObject({ source: 'override', ...custom });
      const bundled = await admin().get(templates(app, '/recovery-link/fr'));
      expect(bundled.body).toMatchObject({ template: 'recovery-link', locale: 'fr', source: 'bundled', subject: expect.stringContaining('{{appName}}') });
      expect((await admin().get(templates(other))).body).toEqual({ overrides: [] });
    });

    it('previews a draft, the override or the bundled template with sample data, sending nothing', async () => {
      const outboxBefore = (await sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM mail_outbox`))[0].n;
      const mailsBefore = t.smtp.mails.length;
      const draft = await admin().post(templates(app, '/recovery-link/de/preview'), {
        subject: 'Zugang für {{appName}}',
        text: 'Link: {{link}}',
        html: '<a href="{{link}}">{{link}}</a> ({{expiresHours}} h)',
      });
      expect(draft.status).toBe(200);
      expect(draft.body).toMatchObject({
        template: 'recovery-link',
        locale: 'de',
        source: 'draft',
        subject: 'Zugang für Acme <Labs>',
        text: 'Link: https://myapp.example/recover#token=sample',
        html: '<a href="https://myapp.example/recover#token&#x3D;sample">https://myapp.example/recover#token&#x3D;sample</a> (24 h)',
      });
      const stored = await admin().post(templates(app, '/otp-login/en/preview'), {});
      expect(stored.body).toMatchObject({ source: 'override', subject: '123456 · your Acme <Labs> code (custom)', sampleData: { code: '123456', appName: 'Acme <Labs>' } });
      const bundled = await admin().post(templates(app, '/otp-login/pt/preview'), {});
      expect(bundled.body).toMatchObject({ source: 'bundled', subject: expect.stringContaining('123456') });
      expect((await sql<{ n: number }>(t.databaseUrl, `SELECT count(*)::int AS n FROM mail_outbox`))[0].n).toBe(outboxBefore);
      await expectNothingFor(500, () => expect(t.smtp.mails.length).toBe(mailsBefore));
      // a bad draft is refused like a bad override
      expectError(await admin().post(templates(app, '/recovery-link/de/preview'), { html: '<p>no link</p>' }), 400, 'invalid_request', {
        details: [{ field: 'html', problem: expect.stringMatching(/must contain \{\{link\}\}/) }],
      });
    });

    const bad: [string, string, Record<string, string>, RegExp, string][] = [
      ['the code is missing from the HTML', 'otp-login', { ...custom, html: '<p>Hello</p>' }, /html must contain \{\{code\}\}/, 'html'],
      ['the code is missing from the text', 'otp-recovery', { ...custom, text: 'Hello {{appName}}' }, /text must contain \{\{code\}\}/, 'text'],
      ['it does not compile', 'otp-login', { ...custom, html: '<p>{{#if code}}{{code}}</p>' }, /html is not a valid Handlebars template/, 'html'],
      ['it names an unknown variable', 'otp-login', { ...custom, text: '{{code}} {{cod}}' }, /text uses \{\{cod\}\}, which otp-login does not have/, 'text'],
      ['the HTML is unescaped', 'otp-login', { ...custom, html: '<p>{{{code}}}</p>' }, /html must not use \{\{\{ \}\}\}/, 'html'],
      ['it uses a partial', 'otp-login', { ...custom, html: '{{> header}}{{code}}' }, /partial/, 'html'],
      ['it calls a helper', 'otp-login', { ...custom, text: '{{lookup . "code"}} {{code}}' }, /calls a helper/, 'text'],
      ['a security mail drops its report link', 'passkey-added', { subject: 'New passkey', text: 'Added {{label}}', html: '<p>Added {{label}}</p>' }, /must contain \{\{reportLink\}\}/, 'text'],
      ['the recovery link is missing', 'recovery-link', { subject: 'Recover', text: 'Go to the app', html: '<p>{{link}}</p>' }, /text must contain \{\{link\}\}/, 'text'],
      ['the subject spans lines', 'otp-login', { ...custom, subject: 'a\nb {{code}}' }, /subject must be one line/, 'subject'],
      ['the subject is too long', 'otp-login', { ...custom, subject: `{{code}} ${'x'.repeat(300)}` }, /subject is longer than 300/, 'subject'],
    ];
    it.each(bad)('refuses an override when %s (400 naming the problem)', async (_what, template, body, problem, field) => {
      const res = await admin().put(templates(app, `/${template}/fr`), body);
      expectError(res, 400, 'invalid_request', { details: expect.arrayContaining([{ field, problem: expect.stringMatching(problem) }]) });
      expect(res.body.message).toMatch(problem);
    });

    it('takes an HTML template larger than the 16 KiB body limit of other routes, up to its own limit', async () => {
      const big = `<div>${'<p style="color:#57606a">Lorem ipsum dolor sit amet.</p>'.repeat(600)}{{code}}</div>`;
      expect(big.length).toBeGreaterThan(30_000);
      expect((await admin().put(templates(app, '/otp-login/de'), { ...custom, html: big })).status).toBe(200);
      const tooBig = `<div>${'x'.repeat(64 * 1024)}{{code}}</div>`;
      expectError(await admin().put(templates(app, '/otp-login/de'), { ...custom, html: tooBig }), 400, 'invalid_request', {
        details: [{ field: 'html', problem: expect.stringMatching(/longer than 65536/) }],
      });
      expect(
        (
          await t.svc
            .http()
            .post('/v1/admin/applications')
            .set('authorization', `Bearer ${ADMIN_TOKEN}`)
            .send({ name: 'x'.repeat(20_000) })
        ).status,
      ).toBe(413);
    });

    it('refuses unknown templates, locales and applications, and callers without the admin token', async () => {
      expectError(await admin().put(templates(app, '/welcome/en'), custom), 400, 'invalid_request', { details: [{ field: 'template', problem: expect.any(String) }] });
      expectError(await admin().put(templates(app, '/otp-login/it'), custom), 400, 'invalid_request', { details: [{ field: 'locale', problem: expect.any(String) }] });
      expectError(await admin().put('/v1/admin/applications/app_nope/templates/otp-login/en', custom), 404, 'application_not_found');
      expectError(await admin().get('/v1/admin/applications/app_nope/templates'), 404, 'application_not_found');
      expectError(await admin().put(templates(app, '/otp-login/en'), { subject: 'x {{code}}', text: '{{code}}' }), 400, 'invalid_request');
      expectError(await t.svc.http().put(templates(app, '/otp-login/en')).send(custom), 401, 'admin_unauthorized');
      expectError(await t.svc.http().get(templates(app)).set('authorization', `Bearer ${app.secretKey}`), 401, 'admin_unauthorized');
    });

    it('removes an override: the bundled template is sent again', async () => {
      const del = await admin().delete(templates(app, '/otp-login/en'));
      expect(del.status).toBe(204);
      expectError(await admin().delete(templates(app, '/otp-login/en')), 404, 'not_found');
      await putUser(t.svc, app, 'ov2', 'ov2@example.com');
      expect((await mailTo(app, 'ov2@example.com', 1)).subject).toMatch(/^\d{6} is your Acme <Labs> sign-in code$/);
    });

    it('records operator changes in the audit log', async () => {
      const rows = await sql<{ type: string; actor: string; data: { template: string; locale: string } }>(
        t.databaseUrl,
        `SELECT type, actor, data FROM audit_events WHERE app_id = $1 AND type LIKE 'mail_template.%' ORDER BY id`,
        [app.appId],
      );
      expect(rows[0]).toEqual({ type: 'mail_template.updated', actor: 'operator:api', data: { template: 'otp-login', locale: 'en' } });
      expect(rows.at(-1)).toEqual({ type: 'mail_template.removed', actor: 'operator:api', data: { template: 'otp-login', locale: 'en' } });
    });
  });
});
