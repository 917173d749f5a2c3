import fc from 'fast-check';
import { Client } from 'pg';
import { sql } from './support/database';
import { useService } from './support/fixture';
import { ADMIN_TOKEN, createApplication, putUser, TestApplication } from './support/service';

/**
 * Property-based fuzzing of every route in the OpenAPI document: generated bodies, headers, query
 * strings and path parameters. Whatever arrives, the answer is never a 5xx, every error is the
 * section-2 body, and a refused request writes nothing.
 */
describe('fuzzing every route', () => {
  const t = useService('fuzz', { env: { RATE_OTP_PER_USER_HOUR: '100000', RATE_OTP_PER_EMAIL_HOUR: '100000', RATE_OTP_PER_APP_MINUTE: '100000' } });
  let app: TestApplication;
  let routes: { method: string; path: string }[];
  let countSql: string;

  beforeAll(async () => {
    app = await createApplication(t.svc);
    await putUser(t.svc, app, 'ada', 'ada@example.com');
    const doc = (await t.svc.http().get('/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
    routes.push({ method: 'GET', path: '/demo' }, { method: 'GET', path: '/report' }, { method: 'GET', path: '/metrics' }, { method: 'GET', path: '/v1/{anything}' });
    const tables = await sql<{ t: string }>(t.databaseUrl, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'`);
    countSql = `SELECT ${tables.map((x) => `(SELECT count(*) FROM "${x.t}")`).join(' + ')} AS n`;
  });

  const FIELDS = [
    'email',
    'challengeId',
    'code',
    'externalUserId',
    'purpose',
    'token',
    'locale',
    'name',
    'mode',
    'allowedOrigins',
    'rpId',
    'recoveryUrl',
    'response',
    'credentialId',
    'scope',
    'rotateSecretKey',
    'otpLength',
    'reason',
    'deviceName',
  ];
  const scalar = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('ada@example.com', '00000000-0000-4000-8000-000000000000', '123456', '\u0000', '__proto__', '1e400', 'x'.repeat(5000)),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  const dtoLike = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 });
  const deep = fc.integer({ min: 20, max: 9000 }).map((n) => `{"email":${'['.repeat(n)}${']'.repeat(n)}}`);
  const body = fc.oneof(
    dtoLike.map((o) => JSON.stringify(o)),
    value.map((v) => JSON.stringify(v) ?? 'null'),
    fc.string({ unit: 'binary', maxLength: 200 }),
    deep,
    fc.constantFrom('', '{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '[]', 'null', '"x"', 'x'.repeat(20000)),
  );
  const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
  const header = (valid: () => string[]) => fc.oneof(fc.constant(undefined), fc.constantFrom(...valid()), printable);
  const param = fc.oneof(
    fc.string().map(encodeURIComponent),
    fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
    fc.constantFrom('ada', 'app_unknown', '%', '%E0%A4%A', '..', '%2e%2e%2f', 'x'.repeat(150), '%00'),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc
      .dictionary(
        fc.oneof(fc.constantFrom('limit', 'cursor', 'type', 'externalUserId', 'to', 'scope', '__proto__'), fc.string()),
        fc.oneof(
          fc.string(),
          fc.integer().map(String),
          fc.double().map(String),
          fc.constantFrom('1e400', '-0', 'NaN', '99999999999999999999', Buffer.from('99999999999999999999').toString('base64url')),
        ),
        { maxKeys: 4 },
      )
      .map((q) => new URLSearchParams(q).toString()),
    printable,
  );

  it('never answers 5xx, always {code, message}, writes nothing when refusing', async () => {
    const deadline = Date.now() + 40_000;
    let requests = 0;
    // One connection for the row counts: a new one per count (two per request) took most of each
    // request's time on a slow machine, and the 40 s budget then barely reached 500 requests.
    const counter = new Client({ connectionString: t.databaseUrl });
    counter.on('error', () => undefined); // if the property fails, the fixture's database drop ends it
    await counter.connect();
    const rowCount = async () => Number((await counter.query<{ n: string }>(countSql)).rows[0].n);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), { freq: 5 }),
        fc.array(param, { minLength: 3, maxLength: 3 }),
        query,
        body,
        header(() => ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']),
        header(() => [app.clientId]),
        header(() => [`Bearer ${app.secretKey}`, `Bearer ${ADMIN_TOKEN}`, 'Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vcGUifQ.e30.x', 'Basic Zm9vOmJhcg==']),
        header(() => ['https://acme.test', 'null', 'https://evil.test']),
        async (pick, otherMethod, params, qs, payload, contentType, clientId, authorization, origin) => {
          if (Date.now() > deadline) return; // bounded: the CI budget, not the number of runs, ends it
          const route = routes[pick % routes.length];
          let i = 0;
          const path = route.path.replace(/\{[^}]+\}/g, () => params[i++ % params.length]);
          const method = otherMethod ?? route.method;
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (clientId) headers['x-client-id'] = clientId;
          if (authorization) headers.authorization = authorization;
          if (origin) headers.origin = origin;
          const before = await rowCount();
          const res = await fetch(`${t.svc.url}${path}${qs ? `?${qs}` : ''}`, { method, headers, body: method === 'GET' ? undefined : payload });
          const text = await res.text();
          requests++;
          const seen = `${method} ${path}?${qs} -> ${res.status} ${text.slice(0, 300)}`;
          expect({ seen, fiveHundred: res.status >= 500 }).toEqual({ seen, fiveHundred: false });
          if (res.status >= 400) {
            let parsed: { code?: unknown; message?: unknown } = {};
            expect(() => (parsed = JSON.parse(text))).not.toThrow();
            expect({ seen, code: typeof parsed.code, message: typeof parsed.message }).toEqual({ seen, code: 'string', message: 'string' });
            expect(text).not.toMatch(/FST_ERR|"statusCode"|"error":"/);
            expect({ seen, written: (await rowCount()) - before }).toEqual({ seen, written: 0 });
          }
        },
      ),
      { numRuns: 3000, endOnFailure: true },
    );
    await counter.end();
    process.stdout.write(`fuzz: ${requests} requests\n`);
    expect(requests).toBeGreaterThan(500);
  }, 60_000);
});
