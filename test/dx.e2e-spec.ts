import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { freshDatabaseUrl, dropDatabase } from './support/database';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { freePort, npmNodeFlags } from '../bench/child';
import { buildIfStale, ServiceProcess } from './support/process';
import { ApplicationsService } from '../src/applications/applications.service';
import { OtpService } from '../src/otp/otp.service';
import { ADMIN_TOKEN, browser, createApplication, putUser } from './support/service';
import { waitFor } from './support/wait';

type LogLine = { level: number; msg: string; context?: string; requestId?: string; req?: { method: string; path: string } };
const parse = (lines: string[]): LogLine[] =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });

const START_UP = ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids (LOG_LEVEL=debug)', () => {
  const t = useService('dx_request_id');

  it('echoes a well-formed X-Request-Id and puts it on every log line of the request', async () => {
    const app = await createApplication(t.svc);
    await putUser(t.svc, app, 'rid', 'rid@example.com');
    const id = 'trace-42.abc_DEF';
    const res = await browser(t.svc, app).start({ email: 'rid@example.com' }).set('x-request-id', id);
    expect(res.status).toBe(202);
    expect(res.headers['x-request-id']).toBe(id);
    const lines = await waitFor(() => {
      const mine = parse(t.svc.logs).filter((l) => l.requestId === id);
      expect(mine.find((l) => l.msg === 'request')).toMatchObject({ req: { method: 'POST', path: '/v1/email-otp/start' } });
      return mine;
    });
    expect(lines.length).toBeGreaterThanOrEqual(1);
    // Nothing logged about that request lacks the id: every line naming its path carries it.
    const aboutIt = parse(t.svc.logs).filter((l) => l.req?.path === '/v1/email-otp/start');
    expect(aboutIt.every((l) => typeof l.requestId === 'string')).toBe(true);
  });

  it('generates a UUID when the incoming id is missing or not well formed, one per request', async () => {
    for (const bad of [undefined, 'x'.repeat(65), 'has space', 'new\u00e9line', '<script>']) {
      const req = t.svc.http().get('/health/live');
      if (bad !== undefined) req.set('x-request-id', bad);
      const res = await req;
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    const [a, b] = await Promise.all([t.svc.http().get('/health/live'), t.svc.http().get('/health/live')]);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    expect((await t.svc.http().get('/health/live').set('x-request-id', 'x'.repeat(64))).headers['x-request-id']).toBe('x'.repeat(64));
  });

  it('is on error responses too, and on the error log line', async () => {
    const notFound = await t.svc.http().get('/v1/no-such-route').set('x-request-id', 'nf-1');
    expectError(notFound, 404, 'not_found');
    expect(notFound.headers['x-request-id']).toBe('nf-1');
    const unauthorized = await t.svc.http().get('/v1/admin/applications').set('authorization', 'Bearer wrong').set('x-request-id', 'unauth-1');
    expectError(unauthorized, 401, 'admin_unauthorized');
    expect(unauthorized.headers['x-request-id']).toBe('unauth-1');
    const malformed = await t.svc.http().post('/v1/admin/applications').set('content-type', 'application/json').send('{').set('x-request-id', 'bad-json-1');
    expectError(malformed, 400, 'invalid_request');
    expect(malformed.headers['x-request-id']).toBe('bad-json-1');
    await waitFor(() => expect(parse(t.svc.logs).find((l) => l.requestId === 'unauth-1' && l.msg === 'request')).toMatchObject({ level: 30 }));
  });

  it('is on the lines the service logs while handling the request, not only on the request line', async () => {
    const apps = t.svc.app.get(ApplicationsService);
    jest.spyOn(apps, 'list').mockRejectedValueOnce(new Error('boom'));
    const res = await t.svc.http().get('/v1/admin/applications').set('authorization', `Bearer ${ADMIN_TOKEN}`).set('x-request-id', 'boom-1');
    expectError(res, 500, 'internal_error');
    expect(res.headers['x-request-id']).toBe('boom-1');
    const lines = await waitFor(() => {
      const mine = parse(t.svc.logs).filter((l) => l.requestId === 'boom-1');
      expect(mine.map((l) => l.msg).sort()).toEqual(['request', 'unhandled error']);
      return mine;
    });
    expect(lines.find((l) => l.msg === 'unhandled error')).toMatchObject({ level: 50, context: 'ErrorFilter' });
  });

  it('keeps the id across the parsing of a body: a POST that fails logs its error line with it', async () => {
    const app = await createApplication(t.svc);
    jest.spyOn(t.svc.app.get(OtpService), 'start').mockRejectedValueOnce(new Error('boom in start'));
    const res = await browser(t.svc, app).start({ email: 'body@example.com' }).set('x-request-id', 'post-boom-1');
    expectError(res, 500, 'internal_error');
    const lines = await waitFor(() => {
      const mine = parse(t.svc.logs).filter((l) => l.requestId === 'post-boom-1');
      expect(mine.map((l) => l.msg).sort()).toEqual(['request', 'unhandled error']);
      return mine;
    });
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ level: 50, req: { method: 'POST', path: '/v1/email-otp/start' }, res: { status: 500 } });
    // Another request served meanwhile, or a line written outside any request, carries no stale id.
    await t.svc.http().get('/health/live').set('x-request-id', 'after-1');
    await waitFor(() => expect(parse(t.svc.logs).some((l) => l.requestId === 'after-1' && l.msg === 'request')).toBe(true));
    expect(parse(t.svc.logs).filter((l) => l.requestId === 'post-boom-1')).toHaveLength(2);
  });

  it('logs a request the client gave up on before its answer, with its id and without its query string', async () => {
    const body = JSON.stringify({ email: 'gone@example.com' });
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${t.svc.url}/v1/email-otp/start?email=gone@example.com`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': 'abort-1' },
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      // Half the body, then the client goes away: the request never completes.
      req.write(body.slice(0, 5), () => setTimeout(() => req.destroy(), 100));
    });
    const line = await waitFor(() => {
      const found = parse(t.svc.logs).find((l) => l.requestId === 'abort-1' && l.msg !== 'request');
      expect(found).toBeDefined();
      return found!;
    });
    expect(line).toMatchObject({ level: 30, msg: 'request aborted', req: { method: 'POST', path: '/v1/email-otp/start' } });
    expect(JSON.stringify(line)).not.toContain('gone@');
    // Node reports the cut body as "aborted" with code ECONNRESET, the code of a dropped database
    // connection: it is the client's doing, not a "backing service unavailable" (which also sends
    // readiness back to PostgreSQL and Redis).
    expect(parse(t.svc.logs).filter((l) => l.requestId === 'abort-1')).toEqual([line]);
  });

  it('exposes X-Request-Id to browsers (CORS)', async () => {
    const app = await createApplication(t.svc);
    const res = await browser(t.svc, app).start({ email: 'nobody@example.com' });
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
  });

  it("keeps Nest's start-up lines, at debug", () => {
    const startUp = parse(t.svc.logs).filter((l) => START_UP.includes(l.context ?? ''));
    expect(startUp.some((l) => l.context === 'RouterExplorer')).toBe(true);
    expect(startUp.every((l) => l.level === 20)).toBe(true);
  });
});

describe('start-up and log format of the built processes', () => {
  beforeAll(() => buildIfStale(), 180_000);
  const databaseUrl = freshDatabaseUrl('dx_pretty');
  afterAll(() => dropDatabase(databaseUrl));

  const workerLines = async (env: Record<string, string>) => {
    const worker = new ServiceProcess('worker', { DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'info', ...env });
    try {
      await waitFor(() => expect(worker.lines.join('\n')).toMatch(/mail worker started/), { timeoutMs: 20_000 });
      return [...worker.lines];
    } finally {
      await worker.terminate();
    }
  };

  it('starts the API quietly at info: no per-module or per-route lines', async () => {
    const port = await freePort();
    const api = new ServiceProcess('main', { DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'info', PORT: String(port), METRICS_PORT: String(await freePort()) });
    try {
      await waitFor(() => expect(api.lines.join('\n')).toMatch(/listening on/), { timeoutMs: 20_000 });
      const lines = parse(api.lines);
      expect(lines.filter((l) => START_UP.includes(l.context ?? ''))).toEqual([]);
      expect(api.lines.join('\n')).not.toMatch(/Mapped \{|dependencies initialized|Nest application/);
      // what is left says something: the transport the mail worker uses, and where the API listens
      expect(lines.length).toBeLessThanOrEqual(6);
    } finally {
      await api.terminate();
    }
  }, 40_000);

  it('pretty-prints with NODE_ENV=development, without per-module lines', async () => {
    const lines = await workerLines({ NODE_ENV: 'development' });
    const started = lines.find((l) => l.includes('mail worker started'))!;
    expect(started).toMatch(/INFO/);
    expect(started).toContain('[Worker] mail worker started');
    expect(() => JSON.parse(started)).toThrow();
    expect(lines.join('\n')).not.toMatch(/InstanceLoader|dependencies initialized/);
  }, 40_000);

  it('writes JSON lines otherwise', async () => {
    const lines = await workerLines({ NODE_ENV: 'test' });
    const started = JSON.parse(lines.find((l) => l.includes('mail worker started'))!) as LogLine;
    expect(started).toMatchObject({ level: 30, context: 'Worker', msg: 'mail worker started' });
  }, 40_000);

  it('does not rebuild this repository when dist/ is current', () => {
    const main = join(__dirname, '..', 'dist', 'src', 'main.js');
    const before = statSync(main).mtimeMs;
    const t0 = Date.now();
    buildIfStale();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(statSync(main).mtimeMs).toBe(before);
  });

  it('falls back to JSON when pino-pretty is not installed (a production install)', () => {
    jest.isolateModules(() => {
      jest.doMock('pino-pretty', () => {
        throw new Error("Cannot find module 'pino-pretty'");
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { prettyDestination } = require('../src/logging/pretty') as typeof import('../src/logging/pretty');
      expect(prettyDestination()).toBeNull();
    });
    jest.dontMock('pino-pretty');
  });

  it('formats one request line readably', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prettyDestination } = require('../src/logging/pretty') as typeof import('../src/logging/pretty');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    const stream = prettyDestination(out)!;
    stream.write(JSON.stringify({ level: 20, time: Date.now(), msg: 'request', requestId: 'r-1', req: { method: 'GET', path: '/health/live' }, res: { status: 200 }, responseTime: 3 }) + '\n');
    expect(chunks.join('')).toMatch(/DEBUG.*<r-1> request GET \/health\/live 200 3ms/);
  });
});

const OUTPUTS = ['dist/src/main.js', 'dist/clients/browser/mellon-recovery.js', 'dist/clients/node/index.js'];

describe('npm run cli / worker: build only when dist/ is stale', () => {
  const root = mkdtempSync(join(tmpdir(), 'mellon-build-'));
  const builds = () => readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;
  const at = (path: string, secondsAgo: number) => utimesSync(join(root, path), new Date(Date.now() - secondsAgo * 1000), new Date(Date.now() - secondsAgo * 1000));
  const backdate = (path: string, secondsAgo: number): void => {
    if (statSync(join(root, path)).isDirectory()) for (const name of readdirSync(join(root, path))) backdate(join(path, name), secondsAgo);
    at(path, secondsAgo);
  };
  /** Builds if stale, then dates the tree as if every file (sources, this script) were written long ago and built since. */
  const run = () => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'pipe' });
    backdate('.', 600);
    for (const output of OUTPUTS) at(output, 300);
  };

  beforeAll(() => {
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'src'));
    copyFileSync(join(__dirname, '..', 'scripts', 'build-if-stale.mjs'), join(root, 'scripts', 'build-if-stale.mjs'));
    writeFileSync(join(root, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'builds.log'), '');
    // A stand-in for `npm run build`: writes the service and both clients, and counts itself.
    const build = `const fs=require('fs');for(const f of ${JSON.stringify(OUTPUTS).replace(/"/g, "'")}){fs.mkdirSync(require('path').dirname(f),{recursive:true});fs.writeFileSync(f,'')}fs.appendFileSync('builds.log','build\\n')`;
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'stale-check', private: true, scripts: { build: `node -e "${build}"` } }));
  });

  it('builds when dist/ is missing, not again while it is current, and again after a source changes', () => {
    run();
    expect(builds()).toBe(1);
    run();
    run();
    expect(builds()).toBe(1);
    at('src/main.ts', 0);
    run();
    expect(builds()).toBe(2);
    run();
    expect(builds()).toBe(2);
  });

  it('rebuilds when one of the outputs is missing (a failed clients build)', () => {
    rmSync(join(root, 'dist/clients/node/index.js'));
    run();
    expect(builds()).toBe(3);
    run();
    expect(builds()).toBe(3);
  });

  it('rebuilds after a new source file or a dependency change', () => {
    writeFileSync(join(root, 'src', 'new.ts'), 'export {};\n');
    run();
    expect(builds()).toBe(4);
    at('package-lock.json', 0);
    run();
    expect(builds()).toBe(5);
    run();
    expect(builds()).toBe(5);
  });
});

describe('node flags of the processes', () => {
  // docs/operations.md "Capacity": the heap cap, the V8 helper pool sized to the cores and the heap
  // growth are what the 500/s figures were measured with; the image must run what npm start runs.
  it('runs the API and the worker with the same flags in npm start, npm run worker and the image', () => {
    const start = npmNodeFlags('start');
    expect(start).toEqual(['--max-old-space-size=200', '--v8-pool-size=0', '--heap-growing-percent=100']);
    expect(npmNodeFlags('worker')).toEqual(start);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...start, 'dist/src/main.js']);
  });

  it('starts node with those flags (a flag this node does not know would stop it)', () => {
    expect(execFileSync(process.execPath, [...npmNodeFlags('start'), '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });
});
