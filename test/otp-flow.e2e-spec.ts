import { createLocalJWKSet, jwtVerify } from 'jose';
import { sql } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { browser, createApplication, putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';

describe('email OTP fallback login, end to end', () => {
  const t = useService('otp_flow', { smtp: true });
  let app: TestApplication;
  let prod: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc, { name: 'Acme sandbox' });
    prod = await createApplication(t.svc, { name: 'Acme prod', mode: 'production' });
  });

  it('sends the code to the stored address and trades it for a session token', async () => {
    await putUser(t.svc, app, 'ada', 'Ada@Example.com');
    const b = browser(t.svc, app);
    const start = await b.start({ email: '  ADA@EXAMPLE.com ' });
    expect(start.status).toBe(202);
    expect(start.body).toEqual({ challengeId: expect.any(String), expiresAt: expect.any(String), codeLength: 6, purpose: 'login' });
    expect(start.headers['x-ratelimit-limit']).toBeDefined();

    const mail = await t.smtp.waitFor('ada@example.com');
    expect(mail.to).toEqual(['ada@example.com']); // the stored address, not what was typed
    const code = codeFrom(mail);
    expect(mail.text).toContain(code);
    expect(mail.html).toContain(code);

    const ok = await b.verify({ challengeId: start.body.challengeId, code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ tokenType: 'session', user: { externalUserId: 'ada' } });
    expect(ok.body.token).toMatch(/^SANDBOX_SESSION_TOKEN/);

    const check = await t.svc.http().post('/v1/sessions/verify').set('authorization', `Bearer ${app.secretKey}`).send({ token: ok.body.token });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ valid: true, claims: { sub: 'ada', aud: app.appId, scope: 'session', amr: ['email_otp'] } });

    const again = await b.verify({ challengeId: start.body.challengeId, code });
    expectError(again, 400, 'session_expired', { reason: 'used' });

    const outbox = await sql(t.databaseUrl, `SELECT status FROM mail_outbox WHERE challenge_id = $1`, [start.body.challengeId]);
    expect(outbox).toEqual([{ status: 'sent' }]);
  });

  it('issues production tokens as ES256 JWTs that verify offline with the JWKS', async () => {
    await putUser(t.svc, prod, 'grace', 'grace@example.com');
    const b = browser(t.svc, prod, 'https://acme.test');
    const start = await b.start({ email: 'grace@example.com', externalUserId: 'grace' });
    expect(start.status).toBe(202);
    const code = codeFrom(await t.smtp.waitFor('grace@example.com'));
    const ok = await b.verify({ challengeId: start.body.challengeId, code });
    expect(ok.status).toBe(200);
    expect(ok.body.token).not.toMatch(/^SANDBOX/);

    const jwks = (await t.svc.http().get('/.well-known/jwks.json')).body;
    const { payload, protectedHeader } = await jwtVerify(ok.body.token, createLocalJWKSet(jwks), { audience: prod.appId, issuer: `http://localhost:3000/apps/${prod.appId}` });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    expect(payload).toMatchObject({ sub: 'grace', aud: prod.appId, scope: 'session', amr: ['email_otp'], jti: expect.any(String) });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);

    // The JWT is bound to its application: another app's backend cannot use it.
    const other = await t.svc.http().post('/v1/sessions/verify').set('authorization', `Bearer ${app.secretKey}`).send({ token: ok.body.token });
    expectError(other, 401, 'invalid_token');
  });

  it('refuses sandbox tokens in a production application', async () => {
    await putUser(t.svc, app, 'linus', 'linus@example.com');
    const b = browser(t.svc, app);
    const start = await b.start({ email: 'linus@example.com' });
    const code = codeFrom(await t.smtp.waitFor('linus@example.com'));
    const { body } = await b.verify({ challengeId: start.body.challengeId, code });
    expect(body.token).toMatch(/^SANDBOX_SESSION_TOKEN/);

    const res = await t.svc.http().post('/v1/sessions/verify').set('authorization', `Bearer ${prod.secretKey}`).send({ token: body.token });
    expectError(res, 401, 'invalid_token');
  });

  it('renders mail in the user locale', async () => {
    await putUser(t.svc, app, 'hans', 'hans@example.com', 'de');
    await browser(t.svc, app).start({ email: 'hans@example.com' });
    const mail = await t.smtp.waitFor('hans@example.com');
    expect(mail.subject).toMatch(/^\d{6} ist Ihr Anmeldecode/);
    await browser(t.svc, app).start({ email: 'hans@example.com', locale: 'fr' });
    expect((await t.smtp.waitFor('hans@example.com', 2)).subject).toMatch(/code de connexion/);
  });

  it('lets a sandbox app read its mails from the outbox API', async () => {
    await putUser(t.svc, app, 'outbox', 'outbox@example.com');
    const start = await browser(t.svc, app).start({ email: 'outbox@example.com' });
    const code = codeFrom(await t.smtp.waitFor('outbox@example.com'));
    const res = await t.svc.http().get('/v1/sandbox/outbox?to=outbox@example.com').set('authorization', `Bearer ${app.secretKey}`);
    expect(res.status).toBe(200);
    expect(res.body.mails).toHaveLength(1);
    expect(res.body.mails[0].subject).toContain(code);
    expect(start.status).toBe(202);
    const prodRes = await t.svc.http().get('/v1/sandbox/outbox').set('authorization', `Bearer ${prod.secretKey}`);
    expectError(prodRes, 403, 'insufficient_scope');
  });
});
