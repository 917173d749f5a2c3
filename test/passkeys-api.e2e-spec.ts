import { barrier } from './support/barrier';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { insertPasskey, otpToken } from './support/passkey-devices';
import { browser, createApplication, putUser, TestApplication } from './support/service';

const bogusAssertion = (id: string) => ({
  id,
  rawId: id,
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
});

describe('passkeys API: enrollment, ceremonies, credentials', () => {
  const t = useService('passkeys_api', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  let app: TestApplication;
  let other: TestApplication;

  const sk = (a: TestApplication) => `Bearer ${a.secretKey}`;
  const enroll = (a: TestApplication, id: string) => t.svc.http().post(`/v1/users/${id}/enrollment`).set('authorization', sk(a)).send();

  beforeAll(async () => {
    app = await createApplication(t.svc, { name: 'Acme' });
    other = await createApplication(t.svc, { name: 'Other tenant' });
  });

  it('mints a single-purpose enrollment token for a known user only', async () => {
    await putUser(t.svc, app, 'enr', 'enr@example.com');
    const res = await enroll(app, 'enr');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.stringMatching(/^SANDBOX_SESSION_TOKEN/), tokenType: 'enrollment', expiresAt: expect.any(String) });
    expect((await enroll(app, 'nobody')).body).toMatchObject({ code: 'user_not_found' });
    expectError(await enroll(other, 'enr'), 404, 'user_not_found'); // another tenant does not see the user
    expectError(await t.svc.http().post('/v1/users/enr/enrollment').set('authorization', 'Bearer sk_nope').send(), 401, 'invalid_api_key');

    const asSession = await t.svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: res.body.token });
    expectError(asSession, 401, 'invalid_token'); // an enrollment token is not a login
    const check = await t.svc.http().post('/v1/sessions/verify').set('authorization', sk(app)).send({ token: res.body.token, scope: 'enrollment' });
    expect(check.body.claims).toMatchObject({ sub: 'enr', scope: 'enrollment', amr: ['app_backend'] });
  });

  it('builds registration options from the application and excludes only active passkeys', async () => {
    await putUser(t.svc, app, 'opt', 'opt@example.com');
    const active = await insertPasskey(t.databaseUrl, app.appId, 'opt');
    await insertPasskey(t.databaseUrl, app.appId, 'opt', { revoked: true });
    const { token } = (await enroll(app, 'opt')).body;
    const res = await browser(t.svc, app).post('/v1/passkeys/register/start', {}, token);
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

  it("refuses registration without a valid token, and a finish with someone else's ceremony", async () => {
    const b = browser(t.svc, app);
    expect((await b.post('/v1/passkeys/register/start', {})).body).toMatchObject({ code: 'invalid_token' });
    expect((await b.post('/v1/passkeys/register/start', {}, 'SANDBOX_SESSION_TOKEN_forged')).body).toMatchObject({ code: 'invalid_token' });
    await putUser(t.svc, app, 'mine', 'mine@example.com');
    await putUser(t.svc, app, 'theirs', 'theirs@example.com');
    const start = await b.post('/v1/passkeys/register/start', {}, (await enroll(app, 'mine')).body.token);
    const theirs = (await enroll(app, 'theirs')).body.token;
    const finish = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc') }, theirs);
    expectError(finish, 404, 'challenge_not_found');
    // A token of another application is no token here.
    await putUser(t.svc, other, 'mine', 'mine@example.com');
    const foreign = (await enroll(other, 'mine')).body.token;
    expect((await b.post('/v1/passkeys/register/start', {}, foreign)).body).toMatchObject({ code: 'invalid_token' });
  });

  it('gives session-only routes to session tokens and nothing else', async () => {
    await putUser(t.svc, app, 'scoped', 'scoped@example.com');
    const session = await otpToken(t.svc, app, t.smtp, 'scoped@example.com', 'login');
    const recovery = await otpToken(t.svc, app, t.smtp, 'scoped@example.com', 'recovery');
    const enrollment = (await enroll(app, 'scoped')).body.token;
    const b = browser(t.svc, app);
    expect((await b.get('/v1/passkeys', session)).status).toBe(200);
    for (const token of [recovery, enrollment]) {
      const res = await b.get('/v1/passkeys', token);
      expectError(res, 403, 'insufficient_scope', { requiredScopes: ['session'] });
    }
    // Only a recovery ends a recovery: revokeCredentialIds with another token is refused before any ceremony work.
    const start = await b.post('/v1/passkeys/register/start', {}, enrollment);
    const res = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc'), revokeCredentialIds: 'all_others' }, enrollment);
    expectError(res, 400, 'invalid_request', { details: [{ field: 'revokeCredentialIds' }] });
  });

  it('lists no credential ids at sign-in, for a known user with passkeys as for an unknown one', async () => {
    await putUser(t.svc, app, 'signer', 'signer@example.com');
    const active = await insertPasskey(t.databaseUrl, app.appId, 'signer');
    await insertPasskey(t.databaseUrl, app.appId, 'signer', { revoked: true });
    const b = browser(t.svc, app);
    const known = await b.post('/v1/passkeys/auth/start', { externalUserId: 'signer' });
    expect(known.status).toBe(200);
    expect(known.body.options).toMatchObject({ rpId: 'acme.test', userVerification: 'required' });
    expect(active).toBeTruthy();
    expect(known.body.options.allowCredentials).toEqual([]);
    for (const body of [{}, { externalUserId: 'ghost' }]) {
      const res = await b.post('/v1/passkeys/auth/start', body);
      expect(res.status).toBe(200);
      expect(res.body.options.allowCredentials ?? []).toEqual([]);
    }
  });

  it('answers an unknown or revoked passkey with credential_not_found and its id', async () => {
    await putUser(t.svc, app, 'gone', 'gone@example.com');
    const revoked = await insertPasskey(t.databaseUrl, app.appId, 'gone', { revoked: true });
    await putUser(t.svc, other, 'gone', 'gone@example.com');
    const foreign = await insertPasskey(t.databaseUrl, other.appId, 'gone'); // active, but in another application
    const b = browser(t.svc, app);
    for (const id of [revoked, 'dW5rbm93bg', foreign]) {
      const start = await b.post('/v1/passkeys/auth/start', {});
      const res = await b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion(id) });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 'credential_not_found', message: expect.any(String), credentialId: id });
    }
  });

  it('uses a ceremony once: of concurrent finishes exactly one gets past it', async () => {
    const b = browser(t.svc, app);
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
    const b = browser(t.svc, app);
    const start = await b.post('/v1/passkeys/auth/start', {});
    await sql(t.databaseUrl, `UPDATE webauthn_ceremonies SET expires_at = now() - interval '1 second' WHERE id = $1`, [start.body.ceremonyId]);
    const late = await b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('dW5rbm93bg') });
    expectError(late, 400, 'session_expired', { reason: 'expired' });
    const unknown = await b.post('/v1/passkeys/auth/finish', { ceremonyId: '00000000-0000-4000-8000-000000000000', response: bogusAssertion('x') });
    expect(unknown.body).toMatchObject({ code: 'challenge_not_found' });
    // Another application's client id cannot finish this application's ceremony.
    const fresh = await b.post('/v1/passkeys/auth/start', {});
    const cross = await browser(t.svc, other).post('/v1/passkeys/auth/finish', { ceremonyId: fresh.body.ceremonyId, response: bogusAssertion('x') });
    expect(cross.body).toMatchObject({ code: 'challenge_not_found' });
  });

  it('answers malformed bodies with a 4xx error body, never a 5xx', async () => {
    await putUser(t.svc, app, 'mal', 'mal@example.com');
    const token = (await enroll(app, 'mal')).body.token;
    const b = browser(t.svc, app);
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
    for (const [path, body, bearer] of cases) {
      const res = await b.post(path, body, bearer);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expect(res.body).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    }
    const raw = await t.svc.http().post('/v1/passkeys/auth/finish').set('x-client-id', app.clientId).set('content-type', 'application/json').send('{"ceremonyId":');
    expectError(raw, 400, 'invalid_request');

    // A well-formed but forged attestation does not verify (422), and the ceremony is then spent.
    const forged = await b.post(
      '/v1/passkeys/register/finish',
      { ceremonyId: start.body.ceremonyId, response: { ...bogusAssertion('abc'), response: { clientDataJSON: 'e30', attestationObject: 'oA' } } },
      token,
    );
    expectError(forged, 422, 'webauthn_verification_failed');
    const again = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: bogusAssertion('abc') }, token);
    expect(again.body).toMatchObject({ code: 'session_expired', reason: 'used' });
  });

  it('shows passkeys with the user and lets only its own application revoke them', async () => {
    await putUser(t.svc, app, 'owner', 'owner@example.com');
    await putUser(t.svc, other, 'owner', 'owner-other@example.com');
    const id = await insertPasskey(t.databaseUrl, app.appId, 'owner', { label: 'Laptop' });

    const mine = await t.svc.http().get('/v1/users/owner').set('authorization', sk(app));
    expect(mine.body.passkeys).toEqual([
      {
        id,
        label: 'Laptop',
        createdAt: expect.any(String),
        lastUsedAt: null,
        deviceType: 'singleDevice',
        backedUp: false,
        transports: ['internal'],
        aaguid: expect.any(String),
        status: 'active',
        revokedAt: null,
      },
    ]);
    const theirs = await t.svc.http().get('/v1/users/owner').set('authorization', sk(other));
    expect(theirs.body.passkeys).toEqual([]);

    const foreign = await t.svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(other));
    expectError(foreign, 404, 'credential_not_found', { credentialId: id });

    const del = await t.svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(app)).set('user-agent', 'support-console/1.0');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id, status: 'revoked', revokedAt: expect.any(String) });
    const twice = await t.svc.http().delete(`/v1/users/owner/credentials/${id}`).set('authorization', sk(app));
    expect(twice.body).toMatchObject({ code: 'credential_not_found', credentialId: id });
    expectError(await t.svc.http().delete(`/v1/users/owner/credentials/bm9uZQ`).set('authorization', sk(app)), 404, 'credential_not_found', { credentialId: 'bm9uZQ' });
    expectError(await t.svc.http().delete(`/v1/users/owner/credentials/no%20pe`).set('authorization', sk(app)), 400, 'invalid_request');

    const mail = await t.smtp.waitFor('owner@example.com');
    expect(mail.subject).toMatch(/Passkeys were removed/);
    expect(mail.text).toContain('1 passkey');
    expect(t.smtp.to('owner-other@example.com')).toHaveLength(0);

    const audit = await t.svc.http().get('/v1/audit-events?externalUserId=owner&type=passkey.revoked').set('authorization', sk(app));
    expect(audit.body.events).toEqual([
      expect.objectContaining({
        type: 'passkey.revoked',
        actor: 'app_backend',
        ip: '127.0.0.1',
        userAgent: 'support-console/1.0',
        data: { credentialId: id, reason: 'app_backend' },
        createdAt: expect.any(String),
      }),
    ]);
    const foreignAudit = await t.svc.http().get('/v1/audit-events?externalUserId=owner').set('authorization', sk(other));
    expect(foreignAudit.body.events.map((e: { type: string }) => e.type)).not.toContain('passkey.revoked');
  });
});
