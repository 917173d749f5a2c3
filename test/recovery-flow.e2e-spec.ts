import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { insertPasskey, otpToken } from './support/passkey-devices';
import { browser, createApplication, putUser, TestApplication } from './support/service';

describe('recovery: recovery tokens, support resets, recovery links', () => {
  const t = useService('recovery_flow', { smtp: true, env: { TRUST_PROXY: '1', RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  let app: TestApplication;
  let other: TestApplication;
  let prod: TestApplication;

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const reset = (a: TestApplication, id: string, body: object, headers: Record<string, string> = {}) =>
    t.svc.http().post(`/v1/users/${id}/recovery`).set('authorization', sk(a)).set(headers).send(body);
  const linkToken = (link: string) => new URL(link).hash.replace(/^#token=/, '');

  beforeAll(async () => {
    // TRUST_PROXY makes X-Forwarded-Host a header the server would believe: links must still ignore it.
    app = await createApplication(t.svc, { name: 'Acme', recoveryUrl: 'https://acme.test/account/recover' });
    other = await createApplication(t.svc, { name: 'Other tenant' });
    prod = await createApplication(t.svc, { name: 'Acme prod', mode: 'production' });
  });

  it("lets a recovery token list the account's passkeys and do nothing a session can", async () => {
    await putUser(t.svc, app, 'lost', 'lost@example.com');
    const active = await insertPasskey(t.databaseUrl, app.appId, 'lost', { label: 'Old phone' });
    const revoked = await insertPasskey(t.databaseUrl, app.appId, 'lost', { revoked: true });
    const recovery = await otpToken(t.svc, app, t.smtp, 'lost@example.com', 'recovery');
    const session = await otpToken(t.svc, app, t.smtp, 'lost@example.com', 'login');
    const b = browser(t.svc, app);

    const list = await b.get('/v1/recovery/credentials', recovery);
    expect(list.status).toBe(200);
    expect(list.body.credentials.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      [active, 'active'],
      [revoked, 'revoked'],
    ]);
    expect(Object.keys(list.body.credentials[0])).toEqual(expect.arrayContaining(['id', 'label', 'createdAt', 'lastUsedAt', 'deviceType', 'backedUp', 'transports', 'status']));

    expect((await b.get('/v1/recovery/credentials', session)).body).toMatchObject({ code: 'insufficient_scope', requiredScopes: ['recovery'] });
    expect((await b.get('/v1/passkeys', recovery)).body).toMatchObject({ code: 'insufficient_scope' });
    // Not a secret key, and not a token of another application.
    expectError(await t.svc.http().get('/v1/users/lost').set('authorization', `Bearer ${recovery}`), 401, 'invalid_api_key');
    expect((await browser(t.svc, other).get('/v1/recovery/credentials', recovery)).body).toMatchObject({ code: 'invalid_token' });
    // Registration is what it is for.
    expect((await b.post('/v1/passkeys/register/start', {}, recovery)).status).toBe(200);
  });

  it('refuses a recovery token once it is spent', async () => {
    await putUser(t.svc, app, 'spent', 'spent@example.com');
    const recovery = await otpToken(t.svc, app, t.smtp, 'spent@example.com', 'recovery');
    const b = browser(t.svc, app);
    expect((await b.get('/v1/recovery/credentials', recovery)).status).toBe(200);
    const [{ jti }] = await sql<{ jti: string }>(t.databaseUrl, `SELECT claims->>'jti' AS jti FROM opaque_tokens WHERE claims->>'sub' = 'spent' AND claims->>'scope' = 'recovery'`);
    await sql(t.databaseUrl, `INSERT INTO spent_tokens (jti, app_id, expires_at) VALUES ($1, $2, now() + interval '10 minutes')`, [jti, app.appId]);
    for (const res of [await b.get('/v1/recovery/credentials', recovery), await b.post('/v1/passkeys/register/start', {}, recovery)]) {
      expectError(res, 400, 'session_expired', { reason: 'used' });
    }
  });

  it('support reset with delivery link: revokes, returns a link built only from configuration', async () => {
    await putUser(t.svc, app, 'agentcase', 'agentcase@example.com');
    const p1 = await insertPasskey(t.databaseUrl, app.appId, 'agentcase');
    const p2 = await insertPasskey(t.databaseUrl, app.appId, 'agentcase');
    const res = await reset(
      app,
      'agentcase',
      { actor: 'jane@support', reason: 'lost phone, identity checked', revokeCredentials: 'all', delivery: 'link' },
      { host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.9', 'user-agent': 'support-console/2' },
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      recoveryId: expect.any(String),
      availableAt: expect.any(String),
      expiresAt: expect.any(String),
      link: expect.stringMatching(/^https:\/\/acme\.test\/account\/recover#token=[A-Za-z0-9_-]{43}$/),
    });
    const hours = (Date.parse(res.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    const user = await t.svc.http().get('/v1/users/agentcase').set('authorization', sk(app));
    expect(user.body.passkeys.map((c: { id: string; status: string }) => [c.id, c.status]).sort()).toEqual(
      [
        [p1, 'revoked'],
        [p2, 'revoked'],
      ].sort(),
    );

    // Only a keyed hash is stored; the token is nowhere in the database, the logs or the mail.
    const token = linkToken(res.body.link);
    const stored = await sql<{ token_hash: Buffer }>(t.databaseUrl, `SELECT token_hash FROM recovery_links WHERE id = $1`, [res.body.recoveryId]);
    expect(stored[0].token_hash).toHaveLength(32);
    const dump = await sql<{ t: string }>(t.databaseUrl, `SELECT concat_ws('|', (SELECT string_agg(r::text, '|') FROM recovery_links r), (SELECT string_agg(a::text, '|') FROM audit_events a)) AS t`);
    expect(dump[0].t).not.toContain(token);
    expect(t.svc.logs.join('\n')).not.toContain(token);

    // The user hears of it (support-reset notice); no link is mailed with delivery "link".
    const notice = await t.smtp.waitFor('agentcase@example.com');
    expect(notice.subject).toMatch(/support reset was started/i);
    expect(notice.text).toContain("If this wasn't you");
    const templates = await sql<{ template: string }>(t.databaseUrl, `SELECT template FROM mail_outbox m JOIN users u ON u.id = m.user_id WHERE u.external_user_id = 'agentcase' AND u.app_id = $1`, [
      app.appId,
    ]);
    expect(templates.map((m) => m.template)).toEqual(['support-reset']);

    const events = await t.svc.http().get('/v1/audit-events?externalUserId=agentcase&type=recovery.support_reset').set('authorization', sk(app));
    expect(events.body.events).toEqual([
      expect.objectContaining({
        actor: 'support:jane@support',
        ip: '203.0.113.9',
        userAgent: 'support-console/2',
        data: {
          recoveryId: res.body.recoveryId,
          reason: 'lost phone, identity checked',
          revokeCredentials: 'all',
          delivery: 'link',
          revokedCount: 2,
          coolingOff: '0s',
          availableAt: res.body.availableAt,
        },
      }),
    ]);
  });

  it('redeems a link once, for a recovery token, and refuses it spent, superseded, expired or foreign', async () => {
    await putUser(t.svc, app, 'redeemer', 'redeemer@example.com');
    const body = { actor: 'jane', reason: 'ticket 42', revokeCredentials: 'none', delivery: 'link' };
    const first = linkToken((await reset(app, 'redeemer', body)).body.link);
    const second = linkToken((await reset(app, 'redeemer', body)).body.link);
    const b = browser(t.svc, app);

    expect((await b.post('/v1/recovery/redeem', { token: first })).body).toMatchObject({ code: 'session_expired', reason: 'superseded' });
    expect((await browser(t.svc, other).post('/v1/recovery/redeem', { token: second })).body).toMatchObject({ code: 'invalid_token' });

    const ok = await b.post('/v1/recovery/redeem', { token: second });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ token: expect.stringMatching(/^SANDBOX_SESSION_TOKEN/), tokenType: 'recovery', expiresAt: expect.any(String), user: { externalUserId: 'redeemer' } });
    const asSession = await t.svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: ok.body.token });
    expect(asSession.body).toMatchObject({ code: 'invalid_token' }); // a recovery token is not a login
    const claims = await t.svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: ok.body.token, scope: 'recovery' });
    expect(claims.body.claims).toMatchObject({ sub: 'redeemer', scope: 'recovery', amr: ['recovery_link'] });
    expect((await b.get('/v1/recovery/credentials', ok.body.token)).status).toBe(200);

    const again = await b.post('/v1/recovery/redeem', { token: second });
    expectError(again, 400, 'session_expired', { reason: 'used' });

    const third = await reset(app, 'redeemer', body);
    await sql(t.databaseUrl, `UPDATE recovery_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [third.body.recoveryId]);
    expect((await b.post('/v1/recovery/redeem', { token: linkToken(third.body.link) })).body).toMatchObject({ code: 'session_expired', reason: 'expired' });
    expect((await b.post('/v1/recovery/redeem', { token: 'A'.repeat(43) })).body).toMatchObject({ code: 'invalid_token' });

    const started = await t.svc.http().get('/v1/audit-events?externalUserId=redeemer&type=recovery.started').set('authorization', sk(app));
    expect(started.body.events).toEqual([expect.objectContaining({ actor: 'end_user', data: { method: 'recovery_link', recoveryId: expect.any(String) } })]);
  });

  it('support reset with delivery email: the link goes to the stored address, from configuration only', async () => {
    await putUser(t.svc, app, 'mailed', 'Mailed@Example.com', 'de');
    const res = await reset(app, 'mailed', { actor: 'jane', reason: 'asked by phone', revokeCredentials: 'none', delivery: 'email' }, { host: 'evil.test', 'x-forwarded-host': 'evil.test' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ recoveryId: expect.any(String), availableAt: expect.any(String), expiresAt: expect.any(String) });

    await t.smtp.waitFor('mailed@example.com', 2);
    const mails = t.smtp.to('mailed@example.com');
    const linkMail = mails.find((m) => m.text.includes('acme.test/account/recover#token='))!;
    expect(linkMail).toBeDefined();
    const link = /(https?:\/\/\S+\/recover#token=[A-Za-z0-9_-]+)/.exec(linkMail.text)![1];
    expect(link).toMatch(/^https:\/\/acme\.test\/account\/recover#token=/);
    expect(linkMail.html.replace(/&#x3D;/g, '=')).toContain(`href="${link}"`); // Handlebars escapes = in HTML
    expect(linkMail.text + linkMail.html).not.toContain('evil.test');
    expect(mails.some((m) => /support/i.test(m.subject) && !m.text.includes('/recover#token=') && m.text.includes('/report#token='))).toBe(true);

    const ok = await browser(t.svc, app).post('/v1/recovery/redeem', { token: linkToken(link) });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual({ externalUserId: 'mailed' });
  });

  it('applies the origin rules of production applications to redeem', async () => {
    await putUser(t.svc, prod, 'produser', 'produser@example.com');
    const link = (await reset(prod, 'produser', { actor: 'jane', reason: 'x', revokeCredentials: 'none', delivery: 'link' })).body.link;
    expect((await browser(t.svc, prod, null).post('/v1/recovery/redeem', { token: linkToken(link) })).body).toMatchObject({ code: 'origin_not_allowed' });
    expect((await browser(t.svc, prod, 'https://evil.test').post('/v1/recovery/redeem', { token: linkToken(link) })).body).toMatchObject({ code: 'origin_not_allowed' });
    const ok = await browser(t.svc, prod, 'https://acme.test').post('/v1/recovery/redeem', { token: linkToken(link) });
    expect(ok.status).toBe(200);
    expect(ok.body.token).not.toMatch(/^SANDBOX/);
  });

  it('validates support resets and redeems with 4xx error bodies', async () => {
    await putUser(t.svc, app, 'val', 'val@example.com');
    const good = { actor: 'jane', reason: 'r', revokeCredentials: 'none', delivery: 'link' };
    const bad: object[] = [{}, { ...good, revokeCredentials: 'some' }, { ...good, delivery: 'sms' }, { ...good, actor: '' }, { ...good, reason: 5 }, { ...good, extra: true }];
    for (const body of bad) {
      const res = await reset(app, 'val', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body).toMatchObject({ code: 'invalid_request', details: expect.any(Array) });
    }
    expect((await reset(app, 'nobody', good)).body).toMatchObject({ code: 'user_not_found' });
    expect((await reset(other, 'val', good)).body).toMatchObject({ code: 'user_not_found' });
    expect((await t.svc.http().post('/v1/users/val/recovery').send(good)).body).toMatchObject({ code: 'invalid_api_key' });
    for (const body of [{}, { token: 5 }, { token: 'short' }, { token: 'x'.repeat(500) }]) {
      const res = await browser(t.svc, app).post('/v1/recovery/redeem', body);
      expectError(res, 400, 'invalid_request');
    }
  });

  it('filters and pages the audit trail of recovery events', async () => {
    await putUser(t.svc, app, 'paged', 'paged@example.com');
    for (let i = 0; i < 3; i++) await reset(app, 'paged', { actor: `agent${i}`, reason: 'r', revokeCredentials: 'none', delivery: 'link' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/audit-events?externalUserId=paged&type=recovery.support_reset&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.svc.http().get(q).set('authorization', sk(app));
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.events.map((e: { actor: string }) => e.actor));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['support:agent2', 'support:agent1', 'support:agent0']); // newest first
    const foreign = await t.svc.http().get('/v1/audit-events?externalUserId=paged').set('authorization', sk(other));
    expect(foreign.body.events).toEqual([]);
  });
});
