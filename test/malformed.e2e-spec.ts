import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { ADMIN_TOKEN, createApplication, TestApplication } from './support/service';

describe('bad input gets a clear 4xx with the error body, never a 5xx', () => {
  const t = useService('malformed');
  let app: TestApplication;

  beforeAll(async () => {
    app = await createApplication(t.svc);
  });

  const cases: [string, string, string, string | object, number, string][] = [
    ['start: invalid JSON', '/v1/email-otp/start', 'application/json', '{"email": ', 400, 'invalid_request'],
    ['start: empty JSON body', '/v1/email-otp/start', 'application/json', '', 400, 'invalid_request'],
    ['start: JSON array', '/v1/email-otp/start', 'application/json', '[1,2]', 400, 'invalid_request'],
    ['start: not an email', '/v1/email-otp/start', 'application/json', { email: 'nope' }, 400, 'invalid_request'],
    ['start: email is a number', '/v1/email-otp/start', 'application/json', { email: 42 }, 400, 'invalid_request'],
    ['start: unknown purpose', '/v1/email-otp/start', 'application/json', { email: 'a@b.co', purpose: 'admin' }, 400, 'invalid_request'],
    ['start: unknown field', '/v1/email-otp/start', 'application/json', { email: 'a@b.co', isAdmin: true }, 400, 'invalid_request'],
    ['start: bad externalUserId', '/v1/email-otp/start', 'application/json', { email: 'a@b.co', externalUserId: 'x'.repeat(300) }, 400, 'invalid_request'],
    ['start: over 16 KiB', '/v1/email-otp/start', 'application/json', { email: 'a@b.co', pad: 'x'.repeat(17 * 1024) }, 413, 'payload_too_large'],
    ['verify: challengeId not a uuid', '/v1/email-otp/verify', 'application/json', { challengeId: "1' OR 1=1 --", code: '123456' }, 400, 'invalid_request'],
    ['verify: code with letters', '/v1/email-otp/verify', 'application/json', { challengeId: '00000000-0000-4000-8000-000000000000', code: '12345a' }, 400, 'invalid_request'],
    ['verify: code as object', '/v1/email-otp/verify', 'application/json', { challengeId: '00000000-0000-4000-8000-000000000000', code: { $gt: '' } }, 400, 'invalid_request'],
    ['verify: prototype pollution', '/v1/email-otp/verify', 'application/json', '{"__proto__": {"admin": true}, "challengeId": "x"}', 400, 'invalid_request'],
    ['verify: text/plain body', '/v1/email-otp/verify', 'text/plain', 'challengeId=1&code=2', 400, 'invalid_request'],
  ];

  it.each(cases)('%s', async (_name, path, type, payload, status, code) => {
    const req = t.svc.http().post(path).set('x-client-id', app.clientId).set('content-type', type);
    const res = await req.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ code, message: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at \w+ \(/);
  });

  it('lists each failing field in details', async () => {
    const res = await t.svc.http().post('/v1/email-otp/verify').set('x-client-id', app.clientId).send({ challengeId: 'x', code: 'y' });
    expect(res.body.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'challengeId', problem: expect.any(String) }), expect.objectContaining({ field: 'code', problem: expect.any(String) })]),
    );
  });

  it('answers unknown routes and bad admin input in the same shape', async () => {
    expect((await t.svc.http().get('/v1/nope')).body).toMatchObject({ code: 'not_found' });
    const res = await t.svc
      .http()
      .post('/v1/admin/applications')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ name: '', mode: 'staging', allowedOrigins: ['https://a.test/path'] });
    expectError(res, 400, 'invalid_request');
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'mode', 'allowedOrigins', 'rpId', 'recoveryUrl', 'mailFrom']));
    const users = await t.svc.http().put('/v1/users/bad%20id').set('authorization', `Bearer ${app.secretKey}`).send({ email: 'a@b.co' });
    expectError(users, 400, 'invalid_request');
  });
});
