import { barrier } from './support/barrier';
import { sql } from './support/database';
import { useService } from './support/fixture';
import { browser, createApplication, putUser, Service, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';

/** Two instances of the service on one PostgreSQL and one Redis, as in a scaled-out deployment. */
describe('two instances share consumption and limits', () => {
  const t = useService('two_instances', { smtp: true, instances: 2, env: { RATE_API_PER_IP_MINUTE: '100000' } });
  let a: Service;
  let b: Service;
  let app: TestApplication;

  beforeAll(async () => {
    [a, b] = t.instances;
    app = await createApplication(a);
  });

  it('lets exactly one of 50 concurrent verifies of the right code succeed', async () => {
    await putUser(a, app, 'race', 'race@example.com');
    const start = await browser(a, app).start({ email: 'race@example.com' });
    const code = codeFrom(await t.smtp.waitFor('race@example.com'));
    const gate = barrier(50);
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await gate();
        return browser(i % 2 ? a : b, app).verify({ challengeId: start.body.challengeId, code });
      }),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 400 || s === 429)).toBe(true);
    for (const r of results.filter((x) => x.status !== 200)) expect(['session_expired', 'too_many_attempts']).toContain(r.body.code);
  });

  it('counts 3 sends per user per hour across instances, with rate-limit headers', async () => {
    await putUser(a, app, 'limited', 'limited@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await browser(i % 2 ? a : b, app).start({ email: 'limited@example.com', externalUserId: 'limited' });
      statuses.push(res.status);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(Number(res.headers['x-ratelimit-remaining'])).toBe(Math.max(0, 2 - i));
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(3500);
      if (res.status === 429) {
        expect(res.body).toMatchObject({ code: 'rate_limit_exceeded' });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(3500);
      }
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const hits = await sql(t.databaseUrl, `SELECT data->>'limit' AS "limit" FROM audit_events WHERE type = 'otp.rate_limited' AND external_user_id = 'limited'`);
    expect(hits).toEqual([{ limit: 'otp_per_user' }]);
  });

  it('counts 5 sends per canonical email per hour, whatever the case, spaces or +tag', async () => {
    const variants = ['shared@example.com', 'Shared@Example.com', '  shared@example.com ', 'shared+one@example.com', 'SHARED+two@EXAMPLE.COM', 'shared+three@example.com'];
    const statuses: number[] = [];
    for (const [i, email] of variants.entries()) {
      // a different externalUserId each time, so only the email limit can bite
      statuses.push((await browser(i % 2 ? a : b, app).start({ email, externalUserId: `nobody-${i}` })).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('limits unknown accounts the same way, so a 429 never tells whether an account exists', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    await putUser(a, app, 'exists', 'exists@example.com');
    for (let i = 0; i < 4; i++) {
      known.push((await browser(a, app).start({ email: 'exists@example.com', externalUserId: 'exists' })).status);
      unknown.push((await browser(b, app).start({ email: 'ghost@example.com', externalUserId: 'ghost' })).status);
    }
    expect(unknown).toEqual(known);
  });
});

describe('the general per-IP limit', () => {
  const t = useService('per_ip', { instances: 2, env: { RATE_API_PER_IP_MINUTE: '6' } });
  let a: Service;
  let b: Service;
  let app: TestApplication;

  beforeAll(async () => {
    [a, b] = t.instances;
    app = await createApplication(a);
  });

  it('allows 6 requests a minute from one IP across both instances, then 429 with headers', async () => {
    // createApplication above used 1 request.
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await browser(i % 2 ? a : b, app).verify({ challengeId: '00000000-0000-4000-8000-000000000000', code: '123456' }));
    expect(results.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 429]);
    expect(results[0].headers['x-ratelimit-limit']).toBe('6');
    expect(results[0].headers['x-ratelimit-remaining']).toBe('4');
    const limited = results[5];
    expect(limited.body).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    // health checks are not limited
    expect((await a.http().get('/health/live')).status).toBe(200);
  });
});
