import { dropDatabase, freshDatabaseUrl, sql } from './support/database';
import { barrier } from './support/barrier';
import { insertPasskey, otpToken } from './support/passkey-devices';
import { browser, createApplication, putUser, Service, startService, TestApplication } from './support/service';
import { TestSmtp } from './support/smtp';

const bogusAssertion = (id: string) => ({
  id,
  rawId: id,
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
});

describe('passkeys API: enrollment, ceremonies, credentials', () => {
  const databaseUrl = freshDatabaseUrl('passkeys_api');
  let smtp: TestSmtp;
  let svc: Service;
  let app: TestApplication;
  let other: TestApplication;

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const enroll = (a: TestApplication, id: string) => svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk(a)).send();

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    svc = await startService({ databaseUrl, smtpUrl: smtp.url, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
    app = await createApplication(svc, { name: 'Acme' });
    other = await createApplication(svc, { name: 'Other tenant' });
  });

  afterAll(async () => {
    await svc?.close();
    await smtp?.stop();
    await dropDatabase(databaseUrl);
  });

  it('mints a single-purpose enrollment token for a known user only', async () => {
    await putUser(svc, app, 'enr', 'enr@example.com');
    const res = await enroll(app, 'enr');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/^SANDBOX_SESSION_TOKEN/), tokenType: 'enrollment', expiresAt: expect.any(String) });
    expect((await enroll(app, 'nobody')).body).toMatchObject({ code: 'user_not_found' });
    expect((await enroll(other, 'enr')).status).toBe(404); // another tenant does not see the user
    expect((await svc.http().post('/v1/users/enr/enrollment').set('authorization', 'Bearer sk_nope').send()).status).toBe(401);

    const asSession = await svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: res.body.token });
    expect(asSession.status).toBe(401); // an enrollment token is not a login
    const check = await svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: res.body.token, scope: 'enrollment' });
    expect(check.body.claims).toMatchObject({ sub: 'enr', scope: 'enrollment', amr: ['app_backend'] });
  });

  it('builds registration options from the application and excludes only active passkeys', async () => {
    await putUser(svc, app, 'opt', 'opt@example.com');
    const active = await insertPasskey(databaseUrl, app.appId, 'opt');
    await insertPasskey(databaseUrl, app.appId, 'opt', { revoked: true });
    const { token } = (await enroll(app, 'opt')).body;
    const res = await browser(svc, app).post('/v1/passkeys/register/start', {}, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ceremonyId: expect.any(String), expiresAt: expect.any(String), options: expect.any(Object) });
    const o = res.body.options;
    expect(o.rp).toEqual({ id: 'acme.test', name: 'Acme' });
    expect(o.user).toMatchObject({ name: 'opt@example.com' });
    expect(o.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([active]);
    expect(o.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    const lifetime = Date.parse(res.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(9 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000);
  });

  it('refuses registration without a valid token, and a finish with someone else\'s ceremony', async () => {
    const b = browser(svc, app);
    expect((await b.post('/v1/passkeys/register/start', {})).body).toMatchObject({ code: 'invalid_token' });
    expect((await b.post('/v1/passkeys/register/start', {}, 'SANDBOX_SESSION_TOKEN_forged')).body).toMatchObject({ code: 'invalid_token' });
    await putUser(svc, app, 'mine', 'mine@example.com');
    await putUser(svc, app, 'theirs', 'theirs@example.com');
    const start = await b.post('/v1/passkeys/register/start', {}, (await enroll(app, 'mine')).body.token);
    const theirs = (await enroll(app, 'theirs')).body.token;
    const finish = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc') }, theirs);
    expect(finish.status).toBe(404);
    expect(finish.body).toMatchObject({ code: 'challenge_not_found' });
    // A token of another application is no token here.
    await putUser(svc, other, 'mine', 'mine@example.com');
    const foreign = (await enroll(other, 'mine')).body.token;
    expect((await b.post('/v1/passkeys/register/start', {}, foreign)).body).toMatchObject({ code: 'invalid_token' });
  });

  it('gives session-only routes to session tokens and nothing else', async () => {
    await putUser(svc, app, 'scoped', 'scoped@example.com');
    const session = await otpToken(svc, app, smtp, 'scoped@example.com', 'login');
    const recovery = await otpToken(svc, app, smtp, 'scoped@example.com', 'recovery');
    const enrollment = (await enroll(app, 'scoped')).body.token;
    const b = browser(svc, app);
    expect((await b.get('/v1/passkeys', session)).status).toBe(200);
    for (const token of [recovery, enrollment]) {
      const res = await b.get('/v1/passkeys', token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'insufficient_scope', requiredScopes: ['session'] });
    }
    // Only a recovery ends a recovery: revokeCredentialIds with a session token is refused before any ceremony work.
    const start = await b.post('/v1/passkeys/register/start', {}, session);
    const res = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc'), revokeCredentialIds: 'all_others' }, session);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_request', details: [{ field: 'revokeCredentialIds' }] });
  });

  it('offers a user\'s active passkeys at sign-in, and the same empty answer for an unknown user', async () => {
    await putUser(svc, app, 'signer', 'signer@example.com');
    const active = await insertPasskey(databaseUrl, app.appId, 'signer');
    await insertPasskey(databaseUrl, app.appId, 'signer', { revoked: true });
    const b = browser(svc, app);
    const known = await b.post('/v1/passkeys/auth/start', { externalUserId: 'signer' });
    expect(known.status).toBe(200);
    expect(known.body.options).toMatchObject({ rpId: 'acme.test', userVerification: 'required' });
    expect(known.body.options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([active]);
    for (const body of [{}, { externalUserId: 'ghost' }]) {
      const res = await b.post('/v1/passkeys/auth/start', body);
      expect(res.status).toBe(200);
      expect(res.body.options.allowCredentials ?? []).toEqual([]);
    }
  });

  it('answers an unknown or revoked passkey with credential_not_found and its id', async () => {
    await putUser(svc, app, 'gone', 'gone@example.com');
    const revoked = await insertPasskey(databaseUrl, app.appId, 'gone', { revoked: true });
    await putUser(svc, other, 'gone', 'gone@example.com');
    const foreign = await insertPasskey(databaseUrl, other.appId, 'gone'); // active, but in another application
    const b = browser(svc, app);
    for (const id of [revoked, 'dW5rbm93bg', foreign]) {
      const start = await b.post('/v1/passkeys/auth/start', {});
      const res = await b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion(id) });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 'credential_not_found', message: expect.any(String), credentialId: id });
    }
  });

  it('uses a ceremony once: of concurrent finishes exactly one gets past it', async () => {
    const b = browser(svc, app);
    const start = await b.post('/v1/passkeys/auth/start', {});
    const gate = barrier(10);
    const results = await Promise.all(
      Array.from({ length: 10 }, async () => {
        await gate();
        return b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('dW5rbm93bg') });
      }),
    );
    const used = results.filter((r) => r.status === 400 && r.body.code === 'session_expired' && r.body.reason === 'used');
    expect(used).toHaveLength(9);
    expect(results.filter((r) => r.body.code === 'credential_not_found')).toHaveLength(1);
  });

  it('expires ceremonies after the ceremony lifetime and does not know other ids', async () => {
    const b = browser(svc, app);
    const start = await b.post('/v1/passkeys/auth/start', {});
    await sql(databaseUrl, `UPDATE webauthn_ceremonies SET expires_at = now() - interval '1 second' WHERE id = $1`, [start.body.ceremonyId]);
    const late = await b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('dW5rbm93bg') });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ code: 'session_expired', reason: 'expired' });
    const unknown = await b.post('/v1/passkeys/auth/finish', { ceremonyId: '00000000-0000-4000-8000-000000000000', response: bogusAssertion('x') });
    expect(unknown.body).toMatchObject({ code: 'challenge_not_found' });
    // Another application's client id cannot finish this application's ceremony.
    const fresh = await b.post('/v1/passkeys/auth/start', {});
    const cross = await browser(svc, other).post('/v1/passkeys/auth/finish', { ceremonyId: fresh.body.ceremonyId, response: bogusAssertion('x') });
    expect(cross.body).toMatchObject({ code: 'challenge_not_found' });
  });

  it('answers malformed bodies with a 4xx error body, never a 5xx', async () => {
    await putUser(svc, app, 'mal', 'mal@example.com');
    const token = (await enroll(app, 'mal')).body.token;
    const b = browser(svc, app);
    const start = await b.post('/v1/passkeys/register/start', {}, token);
    const cases: [string, object, string?][] = [
      ['/v1/passkeys/auth/finish', {}],
      ['/v1/passkeys/auth/finish', { ceremonyId: 'nope', response: 'x' }],
      ['/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: [] }],
      ['/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: { id: 'not base64url!', type: 'public-key', response: {} } }],
      ['/v1/passkeys/auth/start', { externalUserId: 'bad id with spaces' }],
      ['/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: { id: 'abc' } }, token],
      ['/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc'), label: '' }, token],
      ['/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc'), revokeCredentialIds: 'everything' }, token],
      ['/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc'), extra: 1 }, token],
    ];
    for (const [path, body, t] of cases) {
      const res = await b.post(path, body, t);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expect(res.body).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    }
    const raw = await svc.http().post('/v1/passkeys/auth/finish').set('x-client-id', app.clientId).set('content-type', 'application/json').send('{"ceremonyId":');
    expect(raw.status).toBe(400);
    expect(raw.body.code).toBe('invalid_request');

    // A well-formed but forged attestation does not verify (422), and the ceremony is then spent.
    const forged = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: { ...bogusAssertion('abc'), response: { clientDataJSON: 'e30', attestationObject: 'oA' } } }, token);
    expect(forged.status).toBe(422);
    expect(forged.body).toMatchObject({ code: 'webauthn_verification_failed' });
    const again = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc') }, token);
    expect(again.body).toMatchObject({ code: 'session_expired', reason: 'used' });
  });

  it('shows passkeys with the user and lets only its own application revoke them', async () => {
    await putUser(svc, app, 'owner', 'owner@example.com');
    await putUser(svc, other, 'owner', 'owner-other@example.com');
    const id = await insertPasskey(databaseUrl, app.appId, 'owner', { label: 'Laptop' });

    const mine = await svc.http().get('/v1/users/owner').set('authorization', sk(app));
    expect(mine.body.passkeys).toEqual([
      { id, label: 'Laptop', createdAt: expect.any(String), lastUsedAt: null, deviceType: 'singleDevice', backedUp: false, transports: ['internal'], aaguid: expect.any(String), status: 'active', revokedAt: null },
    ]);
    const theirs = await svc.http().get('/v1/users/owner').set('authorization', sk(other));
    expect(theirs.body.passkeys).toEqual([]);

    const foreign = await svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(other));
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'credential_not_found', credentialId: id });

    const del = await svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(app)).set('user-agent', 'support-console/1.0');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id, status: 'revoked', revokedAt: expect.any(String) });
    const twice = await svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(app));
    expect(twice.body).toMatchObject({ code: 'credential_not_found', credentialId: id });
    expect((await svc.http().delete(`/v1/users/owner/credentials/bm9uZQ`).set('authorization', sk(app))).status).toBe(404);
    expect((await svc.http().delete(`/v1/users/owner/credentials/no%20pe`).set('authorization', sk(app))).status).toBe(400);

    const mail = await smtp.waitFor('owner@example.com');
    expect(mail.subject).toMatch(/Passkeys were removed/);
    expect(mail.text).toContain('1 passkey');
    expect(smtp.to('owner-other@example.com')).toHaveLength(0);

    const audit = await svc.http().get('/v1/audit-events?externalUserId=owner&type=passkey.revoked').set('authorization', sk(app));
    expect(audit.body.events).toEqual([
      expect.objectContaining({ type: 'passkey.revoked', actor: 'app_backend', ip: '127.0.0.1', userAgent: 'support-console/1.0', data: { credentialId: id, reason: 'app_backend' }, createdAt: expect.any(String) }),
    ]);
    const foreignAudit = await svc.http().get('/v1/audit-events?externalUserId=owner').set('authorization', sk(other));
    expect(foreignAudit.body.events.map((e: { type: string }) => e.type)).not.toContain('passkey.revoked');
  });
});
