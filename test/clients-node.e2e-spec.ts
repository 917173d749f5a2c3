import { createServer } from 'node:net';
import { createMellonServer, MellonError, MellonServer } from '../clients/node';
import { useService } from './support/fixture';
import { waitFor } from './support/wait';
import { insertPasskey, otpToken } from './support/passkey-devices';
import { browser, createApplication, putUser, TestApplication } from './support/service';

const ORIGIN = 'https://acme.test';

/** A free port, so PUBLIC_URL (the tokens' issuer) can be the address the client talks to. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<MellonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MellonError);
  return err as MellonError;
}

/** SPEC §9.3: the Node client for app backends, against a running service. */
describe('Node client (mellon-recovery/node)', () => {
  const t = useService('clients_node', {
    smtp: true,
    env: { ENROLLMENT_TOKEN_TTL: '2s' },
    prepare: async () => {
      const port = await freePort();
      return { port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } };
    },
  });
  let prod: TestApplication;
  let other: TestApplication;
  let sandbox: TestApplication;
  let mellon: MellonServer;
  let otherMellon: MellonServer;
  let sandboxMellon: MellonServer;
  const client = (a: TestApplication) => createMellonServer({ baseUrl: t.svc.url, secretKey: a.secretKey });

  beforeAll(async () => {
    prod = await createApplication(t.svc, { mode: 'production' });
    other = await createApplication(t.svc, { mode: 'production', name: 'Other' });
    sandbox = await createApplication(t.svc, { mode: 'sandbox', name: 'Sandbox' });
    [mellon, otherMellon, sandboxMellon] = [client(prod), client(other), client(sandbox)];
  });

  it('manages users, passkeys, enrollment, support resets and the audit log with typed calls', async () => {
    const user = await mellon.putUser('ada', { email: 'ada@example.com' });
    expect(user).toMatchObject({ externalUserId: 'ada', email: 'ada@example.com', recoveryLocked: false });
    const credentialId = await insertPasskey(t.databaseUrl, prod.appId, 'ada');
    expect((await mellon.getUser('ada')).passkeys.map((p) => p.id)).toEqual([credentialId]);
    expect(await mellon.revokeCredential('ada', credentialId)).toMatchObject({ id: credentialId, status: 'revoked' });

    const enrollment = await mellon.createEnrollment('ada');
    expect(enrollment.tokenType).toBe('enrollment');
    const reset = await mellon.startSupportReset('ada', { actor: 'agent:jane', reason: 'Lost phone', revokeCredentials: 'none', delivery: 'link', coolingOff: '0s' });
    expect(reset.link).toMatch(/#token=/);
    expect(await mellon.unlockUser('ada', { actor: 'agent:jane', reason: 'test' })).toEqual({ externalUserId: 'ada', recoveryLocked: false });

    const page = await mellon.listAuditEvents({ externalUserId: 'ada', limit: 2 });
    expect(page.events).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await mellon.listAuditEvents({ externalUserId: 'ada', limit: 2, cursor: page.nextCursor! });
    expect(next.events[0].id).not.toBe(page.events[0].id);

    const missing = await rejection(mellon.getUser('nobody'));
    expect(missing).toMatchObject({ code: 'user_not_found', status: 404 });
    const bad = await rejection(createMellonServer({ baseUrl: t.svc.url, secretKey: 'sk_wrong' }).getUser('ada'));
    expect(bad).toMatchObject({ code: 'invalid_api_key', status: 401 });
    const invalid = await rejection(mellon.putUser('ada', { email: 'not-an-email' }));
    expect(invalid).toMatchObject({ code: 'invalid_request', status: 400, details: { details: [expect.objectContaining({ field: 'email' })] } });
  });

  it('manages webhooks and reads the sandbox outbox', async () => {
    const hook = await sandboxMellon.createWebhook({ url: 'http://127.0.0.1:9/hooks', events: ['passkey.registered'] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await sandboxMellon.listWebhooks()).webhooks.map((w) => w.id)).toEqual([hook.id]);
    expect(await sandboxMellon.listWebhookDeliveries(hook.id)).toEqual({ deliveries: [], nextCursor: null });
    await sandboxMellon.deleteWebhook(hook.id);
    expect((await sandboxMellon.listWebhooks()).webhooks).toEqual([]);

    await sandboxMellon.putUser('sam', { email: 'sam@example.com' });
    expect((await browser(t.svc, sandbox, null).start({ email: 'sam@example.com' })).status).toBe(202);
    const { mails } = await sandboxMellon.sandboxOutbox({ to: 'sam@example.com' });
    expect(mails[0].subject).toMatch(/\d{6}/);
    expect(await rejection(mellon.sandboxOutbox())).toMatchObject({ code: 'insufficient_scope', status: 403 });
  });

  it('verifies a session token offline: signature, iss, aud, exp and scope', async () => {
    await putUser(t.svc, prod, 'bob', 'bob@example.com');
    const token = await otpToken(t.svc, prod, t.smtp, 'bob@example.com', 'login', ORIGIN);
    const claims = await mellon.verifySessionToken(token, { appId: prod.appId });
    expect(claims).toMatchObject({ sub: 'bob', aud: prod.appId, iss: `${t.svc.url}/apps/${prod.appId}`, scope: 'session', amr: ['email_otp'] });
    expect(claims).not.toHaveProperty('uid');
    // The same claims as the service's own answer.
    expect(await mellon.verifySessionToken(token, { appId: prod.appId, online: true })).toEqual(claims);

    // Another application's token: its issuer and audience are that application's.
    await putUser(t.svc, other, 'bob', 'bob@example.com');
    const foreign = await otpToken(t.svc, other, t.smtp, 'bob@example.com', 'login', ORIGIN);
    const offline = await rejection(mellon.verifySessionToken(foreign, { appId: prod.appId }));
    expect(offline).toMatchObject({ code: 'invalid_token', status: 401 });
    expect(['issuer', 'audience']).toContain(offline.reason);
    expect(await rejection(mellon.verifySessionToken(foreign, { appId: prod.appId, online: true }))).toMatchObject({ code: 'invalid_token' });
    await expect(otherMellon.verifySessionToken(foreign, { appId: other.appId })).resolves.toMatchObject({ aud: other.appId });

    // A client that forgets nothing: a token tampered with, or of another scope, is refused.
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'mallory' })).toString('base64url')}.${s}`;
    expect((await rejection(mellon.verifySessionToken(tampered, { appId: prod.appId }))).reason).toBe('signature');
    const enrollment = (await mellon.createEnrollment('bob')).token;
    expect((await rejection(mellon.verifySessionToken(enrollment, { appId: prod.appId }))).reason).toBe('scope');
    await expect(mellon.verifySessionToken(enrollment, { appId: prod.appId, scope: 'enrollment' })).resolves.toMatchObject({ scope: 'enrollment' });
    expect((await rejection(mellon.verifySessionToken('not.a.jwt', { appId: prod.appId }))).reason).toBe('malformed');
  });

  it('sees a revoked session only online', async () => {
    await putUser(t.svc, prod, 'carol', 'carol@example.com');
    const token = await otpToken(t.svc, prod, t.smtp, 'carol@example.com', 'login', ORIGIN);
    await mellon.revokeSessions('carol', { actor: 'agent:jane', reason: 'stolen laptop' });
    // Offline checks cannot see a revocation until the token expires; online ones can.
    await expect(mellon.verifySessionToken(token, { appId: prod.appId })).resolves.toMatchObject({ sub: 'carol' });
    const online = await rejection(mellon.verifySessionToken(token, { appId: prod.appId, online: true }));
    expect(online).toMatchObject({ code: 'invalid_token', status: 401, reason: 'revoked' });
  });

  it('refuses an expired token, offline and online', async () => {
    await putUser(t.svc, prod, 'dave', 'dave@example.com');
    const { token } = await mellon.createEnrollment('dave');
    expect(await mellon.verifySessionToken(token, { appId: prod.appId, scope: 'enrollment' })).toMatchObject({ sub: 'dave' });
    // ENROLLMENT_TOKEN_TTL is 2 s here: wait for the expiry instead of sleeping past it.
    await waitFor(async () => expect((await rejection(mellon.verifySessionToken(token, { appId: prod.appId, scope: 'enrollment' }))).reason).toBe('expired'), { timeoutMs: 5000, intervalMs: 200 });
    expect(await rejection(mellon.verifySessionToken(token, { appId: prod.appId, scope: 'enrollment', online: true }))).toMatchObject({ code: 'invalid_token' });
  });

  it('checks sandbox (opaque) tokens online, revocation included', async () => {
    await sandboxMellon.putUser('erin', { email: 'erin@example.com' });
    const b = browser(t.svc, sandbox, null);
    const start = await b.start({ email: 'erin@example.com' });
    const mail = (await sandboxMellon.sandboxOutbox({ to: 'erin@example.com' })).mails[0];
    const code = /\b(\d{6,8})\b/.exec(mail.subject)![1];
    const token = (await b.verify({ challengeId: start.body.challengeId, code })).body.token as string;
    expect(token.startsWith('SANDBOX_SESSION_TOKEN')).toBe(true);

    await expect(sandboxMellon.verifySessionToken(token, { appId: sandbox.appId })).resolves.toMatchObject({ sub: 'erin', aud: sandbox.appId, mode: 'sandbox' });
    // Another application's key cannot vouch for it, and the claims must name the expected application.
    expect(await rejection(mellon.verifySessionToken(token, { appId: sandbox.appId }))).toMatchObject({ code: 'invalid_token' });
    expect((await rejection(sandboxMellon.verifySessionToken(token, { appId: prod.appId }))).reason).toBe('audience');

    await sandboxMellon.revokeSessions('erin', { actor: 'agent:jane', reason: 'test' });
    expect(await rejection(sandboxMellon.verifySessionToken(token, { appId: sandbox.appId }))).toMatchObject({ code: 'invalid_token', reason: 'revoked' });
  });
});
