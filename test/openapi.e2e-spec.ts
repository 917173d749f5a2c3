import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useService } from './support/fixture';

interface Operation {
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }>; schemas: Record<string, { additionalProperties?: unknown; required?: string[] }> };
};

/** Routes anyone may call (no client id, key or token): health, the JWKS, the report page's API, the demo page's config. */
const PUBLIC = new Set(['GET /health/live', 'GET /health/ready', 'GET /.well-known/jwks.json', 'POST /v1/security/report/preview', 'POST /v1/security/report', 'GET /demo/config.json']);
/** Routes that do not answer with a SPEC §2 error: liveness answers whenever the process does; readiness's 503 is its own body. */
const NO_ERRORS = new Set(['GET /health/live', 'GET /health/ready']);

/** SPEC §9.3: the OpenAPI document describes every operation completely and lints clean. */
describe('OpenAPI document', () => {
  const t = useService('openapi');
  let doc: OpenApi;

  beforeAll(async () => {
    const res = await t.svc.http().get('/docs/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApi;
  });

  const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })));

  it('declares the four security schemes', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      clientId: { type: 'apiKey', in: 'header', name: 'X-Client-Id' },
      endUserToken: { type: 'http', scheme: 'bearer' },
      secretKey: { type: 'http', scheme: 'bearer' },
      adminToken: { type: 'http', scheme: 'bearer' },
    });
    expect(doc.components.schemas.ErrorBody).toMatchObject({ required: expect.arrayContaining(['code', 'message']), additionalProperties: true });
  });

  it('covers the SPEC routes', () => {
    const ids = operations().map((o) => o.id);
    for (const id of [
      'POST /v1/email-otp/start',
      'POST /v1/email-otp/verify',
      'POST /v1/recovery/redeem',
      'GET /v1/recovery/credentials',
      'POST /v1/passkeys/register/start',
      'POST /v1/passkeys/register/finish',
      'POST /v1/passkeys/auth/start',
      'POST /v1/passkeys/auth/finish',
      'PUT /v1/users/{externalUserId}',
      'GET /v1/users/{externalUserId}',
      'DELETE /v1/users/{externalUserId}/credentials/{credentialId}',
      'POST /v1/users/{externalUserId}/enrollment',
      'POST /v1/users/{externalUserId}/recovery',
      'POST /v1/sessions/verify',
      'GET /v1/audit-events',
      'GET /v1/sandbox/outbox',
      'POST /v1/admin/applications',
      'PATCH /v1/admin/applications/{appId}',
      'POST /v1/webhooks',
      'GET /v1/webhooks/{id}/deliveries',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('gives every operation a summary, its security, a 2xx schema and its error responses', () => {
    const problems: string[] = [];
    for (const { id, op } of operations()) {
      if (!op.summary?.trim()) problems.push(`${id}: no summary`);
      if (PUBLIC.has(id)) {
        if (op.security?.length) problems.push(`${id}: public route with security ${JSON.stringify(op.security)}`);
      } else if (!op.security?.length || !op.security.every((req) => Object.keys(req).every((name) => name in doc.components.securitySchemes))) {
        problems.push(`${id}: no (known) security scheme`);
      }
      const ok = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) problems.push(`${id}: no 2xx response`);
      for (const [status, r] of ok) if (status !== '204' && !r.content?.['application/json']?.schema) problems.push(`${id}: ${status} has no schema`);
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      if (id === 'GET /health/ready' && !op.responses['503']) problems.push(`${id}: no 503`);
      if (!NO_ERRORS.has(id) && !errors.some(([, r]) => r.content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorBody')) problems.push(`${id}: no ErrorBody response`);
    }
    expect(problems).toEqual([]);
  });

  it('describes routes by who calls them', () => {
    const security = (id: string) => operations().find((o) => o.id === id)?.op.security;
    expect(security('POST /v1/email-otp/start')).toEqual([{ clientId: [] }]);
    expect(security('POST /v1/passkeys/register/finish')).toEqual([{ clientId: [], endUserToken: [] }]);
    expect(security('PUT /v1/users/{externalUserId}')).toEqual([{ secretKey: [] }]);
    expect(security('POST /v1/admin/applications')).toEqual([{ adminToken: [] }]);
    const verify = operations().find((o) => o.id === 'POST /v1/email-otp/verify')!.op;
    expect(Object.keys(verify.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '429', '503']));
  });

  it('passes redocly lint with no errors', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mellon-openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = join(__dirname, '../node_modules/@redocly/cli/bin/cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--format=json', '--config', join(__dirname, '../redocly.yaml')], { maxBuffer: 16 * 1024 * 1024 }).catch(
      (err: { stdout?: string; stderr?: string }) => {
        throw new Error(`redocly lint failed:\n${err.stdout}\n${err.stderr}`);
      },
    );
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string }[] };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });
});
