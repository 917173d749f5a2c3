import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { browser, createApplication, TestApplication } from './support/service';

describe('client id, Origin rules and CORS', () => {
  const t = useService('origin');
  let prod: TestApplication;
  let sandbox: TestApplication;

  beforeAll(async () => {
    prod = await createApplication(t.svc, { mode: 'production' });
    sandbox = await createApplication(t.svc, { mode: 'sandbox' });
  });

  const body = { email: 'someone@example.com' };

  it('refuses a production call from an origin that is not allowed, or with no Origin', async () => {
    const wrong = await browser(t.svc, prod, 'https://evil.test').start(body);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ code: 'origin_not_allowed', message: expect.any(String) });
    expect(wrong.headers['access-control-allow-origin']).toBeUndefined();
    const missing = await browser(t.svc, prod, null).start(body);
    expectError(missing, 403, 'origin_not_allowed');
    const almost = await browser(t.svc, prod, 'https://acme.test:443.evil.test').start(body);
    expectError(almost, 403, 'origin_not_allowed');
  });

  it('accepts an allowed origin and echoes it in Access-Control-Allow-Origin', async () => {
    const res = await browser(t.svc, prod, 'http://localhost:5173').start(body);
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toMatch(/X-RateLimit-Remaining/i);
  });

  it('skips the origin check in sandbox mode', async () => {
    const res = await browser(t.svc, sandbox, 'https://anything.test').start(body);
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe('https://anything.test');
    expect((await browser(t.svc, sandbox, null).start(body)).status).toBe(202);
  });

  it('answers every preflight, which carries no client id', async () => {
    const res = await t.svc
      .http()
      .options('/v1/email-otp/start')
      .set('origin', 'https://acme.test')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'x-client-id, content-type, authorization');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://acme.test');
    expect(res.headers['access-control-allow-headers']).toMatch(/X-Client-Id/i);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/i);
    expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/i);
  });

  it('refuses an unknown or missing client id with 401 invalid_client', async () => {
    const res = await t.svc.http().post('/v1/email-otp/start').set('x-client-id', 'cli_nope').send(body);
    expectError(res, 401, 'invalid_client');
    expect((await t.svc.http().post('/v1/email-otp/start').send(body)).body.code).toBe('invalid_client');
  });
});
