/**
 * `npm run bench`: the SPEC §8 performance budget, measured against a bare baseline in one run.
 * See bench/README.md for what each row means. Everything runs on loopback; the databases,
 * Redis keys and child processes it creates are removed at the end (also on Ctrl-C).
 */
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { randomBytes, randomInt } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { MAIL_QUEUE } from '../src/mail/mail.constants';
import { kolmogorovSmirnov } from './stats';
import { Child, CpuShare, freePort, npmNodeFlags, Sampler } from './child';
import { SmtpSink } from './smtp-sink';

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = num('BENCH_DURATION', 10); // seconds per measured HTTP scenario
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = 50;
const CORES = cpus().length;
const LATENCY_RATE = 100; // starts per second in the start→mail latency scenario
const LATENCY_SECONDS = num('BENCH_LATENCY_SECONDS', 10);
const OPEN_LOOP_HIGH_RATE = 500; // SPEC §8: p99 < 50 ms at a paced 500 starts/s with the worker delivering
const OPEN_LOOP_HIGH_SECONDS = num('BENCH_OPEN_LOOP_SECONDS', 5);
const WRONG_POOL = 500; // challenges reserved for the wrong-code scenario
const MAX_VERIFY = 20_000;
const USERS = 80_000;
const ORIGIN = 'https://bench.test';

/** Sequential starts per group (known, unknown, known control) for the timing comparison. */
const ENUM_SAMPLES = 300;
const TARGET = { ratio: 0.5, p99Ms: 50, rssMb: 250, mailsPerSec: 1000, mailP99Ms: 1000 };

const runId = randomBytes(4).toString('hex');
const serviceDb = `mellon_bench_${runId}`;
const baselineDb = `mellon_bench_${runId}_base`;
const servicePrefix = `bench${runId}`;
const baselinePrefix = `benchbase${runId}`;
const varDir = mkdtempSync(join(tmpdir(), 'mellon-bench-'));
const dist = join(__dirname, '..');

const children: Child[] = [];
let sink: SmtpSink | undefined;
const log = (msg: string) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const T0 = performance.now();

interface LoadRow {
  scenario: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  rssMb: number;
  cpuPercent: number;
  cpu: CpuShare;
  total: number;
  unexpected: number;
  statuses: Record<number, number>;
  baseline?: LoadRow;
}

interface LoadOptions {
  scenario: string;
  child: Child;
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Next request body; may put data in the connection's context for onOk. */
  body: (context: Record<string, unknown>) => string;
  expect: number;
  onOk?: (body: string, context: Record<string, unknown>) => void;
  duration?: number;
  amount?: number;
}

/**
 * `BENCH_WORKER=separate`: the API runs with WORKER=off and the mail worker as its own process
 * (`dist/src/worker.js`), the production shape for busy deployments. Its CPU counts as server CPU.
 */
const SEPARATE_WORKER = process.env.BENCH_WORKER === 'separate';
/** `BENCH_ONLY=timing`: only the known-vs-unknown timing table (about 20 s). */
const TIMING_ONLY = process.env.BENCH_ONLY === 'timing';
/** `BENCH_ONLY=openloop`: the timing table, a warm-up, then only the two open-loop rows (about 45 s). */
const OPEN_LOOP_ONLY = process.env.BENCH_ONLY === 'openloop';
/** `BENCH_ONLY=mail`: a warm-up, a backlog of starts with the queue paused, then only the worker-throughput row (about 40 s). */
const MAIL_ONLY = process.env.BENCH_ONLY === 'mail';
const companions: Child[] = [];

async function load(o: LoadOptions): Promise<LoadRow> {
  const statuses: Record<number, number> = {};
  const sampler = new Sampler(o.child, companions);
  const result = await autocannon({
    url: o.url,
    connections: CONNECTIONS,
    ...(o.amount ? { amount: o.amount } : { duration: o.duration ?? DURATION }),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: o.path,
        headers: { 'content-type': 'application/json', ...o.headers },
        setupRequest: (req, context) => ({ ...req, body: o.body(context) }),
        onResponse: (status, body, context) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === o.expect) o.onOk?.(body, context);
        },
      },
    ],
  });
  const { peakRssMb, cpuPercent, cpu } = sampler.stop();
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const unexpected = total - (statuses[o.expect] ?? 0) + result.errors + result.timeouts;
  return { scenario: o.scenario, reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, rssMb: peakRssMb, cpuPercent, cpu, total, unexpected, statuses };
}

interface OpenLoopOptions {
  rate: number;
  seconds: number;
  child: Child;
  url: string;
  headers: Record<string, string>;
  takeUser: () => string;
  sink: SmtpSink;
}

interface OpenLoopResult {
  rate: number;
  sent: number;
  seconds: number;
  /** Sorted HTTP latencies (request sent → response read), ms. */
  httpMs: number[];
  /** Sorted start → mail-arrival latencies, ms (Infinity for a mail that never arrived). */
  mailMs: number[];
  missing: number;
  failures: string[];
  stats: ReturnType<Sampler['stop']>;
  /** The bench process's own event-loop delay p99 and max, ms: late timers and late reads inflate the HTTP figures. */
  benchLagMs: { p99: number; max: number };
}

/** POSTs a JSON body; resolves with the status once the whole response has been read. */
function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One start every 1/rate s (no bursts, no waiting for answers), each for a fresh user; then waits ≤ 5 s for the mails. */
async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const sentAt = new Map<string, number>();
  const httpMs: number[] = [];
  const failures: string[] = [];
  const inflight: Promise<void>[] = [];
  const sampler = new Sampler(o.child, companions);
  // node:http with keep-alive, not fetch: the load generator shares the cores with the service,
  // and with fetch the bench process took 34–38 % of a core at 500 starts/s, with this 24–27 %.
  const agent = new Agent({ keepAlive: true });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const n = Math.round(o.rate * o.seconds);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / o.rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const email = o.takeUser();
    const t = performance.now();
    sentAt.set(email, t);
    inflight.push(
      post(agent, o.url, o.headers, JSON.stringify({ email })).then(
        (status) => {
          httpMs.push(performance.now() - t);
          if (status !== 202) failures.push(String(status));
        },
        (err: Error) => void failures.push(err.message),
      ),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  lag.disable();
  agent.destroy();
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline && [...sentAt.keys()].some((e) => !o.sink.arrivals.has(e))) await new Promise((r) => setTimeout(r, 50));
  const stats = sampler.stop();
  const mailMs = [...sentAt].map(([email, t]) => (o.sink.arrivals.get(email)?.at ?? Infinity) - t).sort((a, b) => a - b);
  return {
    rate: o.rate,
    sent: n,
    seconds,
    httpMs: httpMs.sort((a, b) => a - b),
    mailMs,
    missing: mailMs.filter((l) => !Number.isFinite(l)).length,
    failures,
    stats,
    benchLagMs: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
  };
}

async function pgAdmin<T>(fn: (c: PgClient) => Promise<T>, database = 'postgres'): Promise<T> {
  const c = new PgClient({ connectionString: `${PG_URL}/${database}` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function cleanup(): Promise<void> {
  await Promise.all(children.map((c) => c.stop().catch(() => c.killNow())));
  await sink?.stop().catch(() => undefined);
  await pgAdmin(async (c) => {
    for (const db of [serviceDb, baselineDb]) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  }).catch((err) => log(`could not drop databases: ${err.message}`));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for (const prefix of [servicePrefix, baselinePrefix]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } catch (err) {
    log(`could not delete Redis keys: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
  rmSync(varDir, { recursive: true, force: true });
}

/** The service's own memory view (prom-client default metrics), to tell heap growth from the rest of RSS. */
let metricsUrl = '';
async function heapLine(_serviceUrl: string): Promise<string> {
  try {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
    return `rss ${f0(metric('process_resident_memory_bytes'))} MB, heap used ${f0(metric('nodejs_heap_size_used_bytes'))} / total ${f0(metric('nodejs_heap_size_total_bytes'))} MB, external ${f0(metric('nodejs_external_memory_bytes'))} MB`;
  } catch (err) {
    return `metrics unavailable: ${(err as Error).message}`;
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');

async function main() {
  log(`run ${runId}: ${DURATION}s per scenario, ${CONNECTIONS} connections`);
  sink = await new SmtpSink().start();

  // ── the two servers ─────────────────────────────────────────────────────────────────────────
  const [servicePort, baselinePort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const adminToken = randomBytes(24).toString('base64url');
  const high = '1000000000';
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? varDir };
  const profileDir = process.env.BENCH_PROFILE;
  // The service runs with the same node flags as `npm start` (its heap cap keeps RSS in budget).
  const startFlags = npmNodeFlags('start');
  const profileArgs = profileDir ? ['-r', join(__dirname, 'profile-preload.js'), '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const serviceArgs = [...startFlags, ...profileArgs, ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const serviceEnv: Record<string, string> = {
    ...base,
    NODE_ENV: 'production',
    PORT: String(servicePort),
    METRICS_PORT: String(metricsPort),
    PUBLIC_URL: `http://127.0.0.1:${servicePort}`,
    DATABASE_URL: `${PG_URL}/${serviceDb}`,
    REDIS_URL,
    REDIS_PREFIX: servicePrefix,
    SMTP_URL: sink.url,
    SECRET_KEY: randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    VAR_DIR: varDir,
    DEMO_APP: 'off',
    WORKER: SEPARATE_WORKER ? 'off' : 'inline',
    RATE_API_PER_IP_MINUTE: high,
    RATE_OTP_PER_USER_HOUR: high,
    RATE_OTP_PER_EMAIL_HOUR: high,
    RATE_OTP_PER_APP_MINUTE: high,
    OTP_MAX_FAILURES_PER_DAY: high,
    OTP_MAX_ATTEMPTS: '1000000',
    // `BENCH_SERVICE_ENV="DB_POOL_SIZE=5 OTP_START_MIN_MS=0"`: the service's settings for an A/B run.
    ...Object.fromEntries(
      (process.env.BENCH_SERVICE_ENV ?? '')
        .split(' ')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
  const service = new Child('service', join(dist, 'src/main.js'), serviceEnv, serviceArgs);
  children.push(service);
  let workerMetricsUrl: string | undefined;
  if (SEPARATE_WORKER) {
    const workerMetricsPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerMetricsPort}/metrics`;
    const worker = new Child('worker', join(dist, 'src/worker.js'), { ...serviceEnv, METRICS_PORT: String(workerMetricsPort) }, [...npmNodeFlags('worker'), ...profileArgs]);
    children.push(worker);
    companions.push(worker);
  }
  await pgAdmin((c) => c.query(`CREATE DATABASE "${baselineDb}"`));
  // The baseline runs with the service's node flags too (heap cap, V8 pool size): a ratio compares code, not flags.
  const baseline = new Child(
    'baseline',
    join(__dirname, 'baseline-server.js'),
    {
      ...base,
      PORT: String(baselinePort),
      DATABASE_URL: `${PG_URL}/${baselineDb}`,
      REDIS_URL,
      REDIS_PREFIX: baselinePrefix,
    },
    startFlags,
  );
  children.push(baseline);
  const serviceUrl = `http://127.0.0.1:${servicePort}`;
  const baselineUrl = `http://127.0.0.1:${baselinePort}`;
  await Promise.all([service.waitReady(`${serviceUrl}/health/ready`), baseline.waitReady(`${baselineUrl}/health`), ...companions.map((c) => c.waitReady(workerMetricsUrl!))]);
  log('service and baseline are up');
  log(`service memory: ${await heapLine(serviceUrl)}`);

  // ── one production application, many users ─────────────────────────────────────────────────
  const res = await fetch(`${serviceUrl}/v1/admin/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', mode: 'production', allowedOrigins: [ORIGIN], rpId: 'bench.test', rpName: 'Bench', recoveryUrl: `${ORIGIN}/recover`, mailFrom: 'no-reply@bench.test' }),
  });
  if (res.status !== 201) throw new Error(`create application: ${res.status} ${await res.text()}`);
  const app = (await res.json()) as { appId: string; clientId: string };
  // Users are bulk-inserted (setup only, not measured); addresses are already canonical.
  await pgAdmin(
    (c) =>
      c.query(
        `INSERT INTO users (app_id, external_user_id, email, email_normalized)
         SELECT $1, 'u' || i, 'u' || i || '@bench.test', 'u' || i || '@bench.test' FROM generate_series(1, $2) i`,
        [app.appId, USERS],
      ),
    serviceDb,
  );
  // A table loaded a moment ago is what autovacuum visits next: do it now, so it does not run
  // (and touch the users' pages, which only known-account starts read) during a measured row.
  await pgAdmin((c) => c.query('VACUUM (ANALYZE) users'), serviceDb);
  let nextUser = 1;
  const takeUser = () => {
    if (nextUser > USERS) throw new Error('ran out of benchmark users; raise USERS');
    return `u${nextUser++}@bench.test`;
  };
  const browserHeaders = { 'x-client-id': app.clientId, origin: ORIGIN };
  const paced = (rate: number, seconds: number) => openLoop({ rate, seconds, child: service, url: `${serviceUrl}/v1/email-otp/start`, headers: browserHeaders, takeUser, sink: sink! });
  /** The saturated start rows' requests: the backlog of BENCH_ONLY=mail, and the start row with its warm-up. */
  const startRequests = { child: service, url: serviceUrl, path: '/v1/email-otp/start', headers: browserHeaders, expect: 202 };
  /** The service's mail queue, paused: starts then build a backlog the drain measures. */
  const pausedMailQueue = async () => {
    const queue = new Queue(MAIL_QUEUE, { connection: { url: REDIS_URL }, prefix: servicePrefix });
    await queue.pause();
    return queue;
  };
  // ── BENCH_ONLY=mail: a backlog built with the queue paused, then the drain ───────────────────
  if (MAIL_ONLY) {
    // The full run's drain comes after the timing rows have delivered 600 mails; so does this one
    // (a cold worker spent ≈ 30 % more CPU per mail).
    log('mail warm-up: 300 starts/s for 3 s, worker delivering');
    await paced(300, 3);
    const mailQueue = await pausedMailQueue();
    log(`building a backlog: starts for ${WARMUP + DURATION} s with the queue paused`);
    const built = await load({ ...startRequests, scenario: 'backlog', body: () => JSON.stringify({ email: takeUser() }), duration: WARMUP + DURATION });
    const drain = await drainBacklog(mailQueue, service, serviceUrl, built.statuses[202] ?? 0);
    const cpu = `CPU ms per mail (server / postgres / redis): ${cpuPerOp(drain.drainStats.cpu, drain.drained)}; machine busy ${f0(drain.drainStats.cpu.machine)} %`;
    process.stdout.write([...mailTable(drain), '', cpu, ''].join('\n') + '\n');
    await mailQueue.close();
    return;
  }
  // ── known vs unknown account: start must take the same time (SPEC §9.2) ──────────────────
  // Measured first, on a warmed-up but otherwise quiet service: after the load rows, PostgreSQL's
  // autovacuum and checkpoints and the mail backlog make the times drift in bursts, and a KS test
  // (which assumes independent samples) then rejects even two random halves of the same kind.
  const timing = await measureTiming(serviceUrl, browserHeaders, takeUser);
  if (TIMING_ONLY) {
    process.stdout.write(timingReport(timing).join('\n') + '\n');
    return;
  }
  if (OPEN_LOOP_ONLY) {
    // The full run reaches these rows with a warmed-up JIT; so does this one.
    log('open-loop warm-up: 400 starts/s for 5 s');
    await paced(400, 5);
    const loops = [await paced(LATENCY_RATE, LATENCY_SECONDS), await paced(OPEN_LOOP_HIGH_RATE, OPEN_LOOP_HIGH_SECONDS)];
    const cpuLines = loops.map((l) => `open loop ${l.rate}/s: CPU ms per start with its mail (server / postgres / redis): ${cpuPerOp(l.stats.cpu, l.sent)}; machine busy ${f0(l.stats.cpu.machine)} %`);
    process.stdout.write([...openLoopReport(loops), '', ...cpuLines, ...timingReport(timing)].join('\n') + '\n');
    return;
  }

  // While the HTTP scenarios run, the mail queue is paused, so start is measured like the
  // baseline (write + enqueue) and the backlog it builds measures the worker's throughput after.
  const mailQueue = await pausedMailQueue();

  // ── baseline start, then service start ──────────────────────────────────────────────────────
  const baselineIds: string[] = [];
  let baselineUser = 0;
  const baselineStartOpts = {
    child: baseline,
    url: baselineUrl,
    path: '/start',
    headers: {},
    body: () => JSON.stringify({ email: `b${baselineUser++}@bench.test` }),
    expect: 202,
    onOk: (body: string) => baselineIds.push((JSON.parse(body) as { challengeId: string }).challengeId),
  };
  log('baseline warm-up');
  await load({ ...baselineStartOpts, scenario: 'warm-up', duration: WARMUP });
  log('baseline start');
  const baseStart = await load({ ...baselineStartOpts, scenario: 'baseline: start (INSERT + enqueue)' });
  // ── service: start ──────────────────────────────────────────────────────────────────────────
  const challengeByEmail = new Map<string, string>();
  const startOpts = {
    ...startRequests,
    body: (ctx: Record<string, unknown>) => {
      ctx.email = takeUser();
      return JSON.stringify({ email: ctx.email });
    },
    onOk: (body: string, ctx: Record<string, unknown>) => challengeByEmail.set(ctx.email as string, (JSON.parse(body) as { challengeId: string }).challengeId),
  };
  log('service warm-up');
  await load({ ...startOpts, scenario: 'warm-up', duration: WARMUP });
  log('service start');
  const svcStart = await load({ ...startOpts, scenario: 'POST /v1/email-otp/start' });
  log(`service memory: ${await heapLine(serviceUrl)}`);
  svcStart.baseline = baseStart;

  // ── mail worker throughput: drain the backlog the start runs built ─────────────────────────
  sink.captureCodes = true;
  const drain = await drainBacklog(mailQueue, service, serviceUrl, challengeByEmail.size);
  const { drained, drainStats } = drain;
  sink.captureCodes = false;

  // Each baseline row runs just before the service rows it is compared with, so a burst of
  // other load on the machine is less likely to hit one side of a ratio only.
  let bv = 0;
  log('baseline verify');
  const baseVerify = await load({
    scenario: 'baseline: verify (UPDATE … RETURNING)',
    child: baseline,
    url: baselineUrl,
    path: '/verify',
    headers: {},
    body: () => JSON.stringify({ challengeId: baselineIds[bv++ % baselineIds.length], code: '000000' }),
    expect: 200,
  });

  // ── service: verify with the right code, then with a wrong one ─────────────────────────────
  const pairs: { challengeId: string; code: string }[] = [];
  for (const [email, challengeId] of challengeByEmail) {
    const code = sink.arrivals.get(email)?.code;
    if (code) pairs.push({ challengeId, code });
  }
  const wrongPool = pairs.splice(0, Math.min(WRONG_POOL, Math.floor(pairs.length / 4)));
  const rightPool = pairs.slice(0, MAX_VERIFY);
  if (!rightPool.length || !wrongPool.length) throw new Error(`no codes captured (${drained} mails arrived)\n${service.output()}`);
  const wrongCode = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');
  let w = 0;
  const wrongOpts = {
    child: service,
    url: serviceUrl,
    path: '/v1/email-otp/verify',
    headers: browserHeaders,
    body: () => {
      const p = wrongPool[w++ % wrongPool.length];
      return JSON.stringify({ challengeId: p.challengeId, code: wrongCode(p.code) });
    },
    expect: 400,
  };
  log('service verify warm-up (wrong codes)');
  await load({ ...wrongOpts, scenario: 'warm-up', duration: Math.max(1, WARMUP / 2) });
  let r = 0;
  let tokens = 0;
  log(`service verify (right code, ${rightPool.length} prepared challenges)`);
  const svcRight = await load({
    scenario: 'POST /v1/email-otp/verify (right code)',
    child: service,
    url: serviceUrl,
    path: '/v1/email-otp/verify',
    headers: browserHeaders,
    body: () => JSON.stringify(rightPool[r++]),
    expect: 200,
    onOk: (body) => {
      if ((JSON.parse(body) as { token?: string }).token) tokens++;
    },
    amount: rightPool.length,
  });
  svcRight.baseline = baseVerify;
  log(`service memory: ${await heapLine(serviceUrl)}`);
  log('service verify (wrong code)');
  const svcWrong = await load({ ...wrongOpts, scenario: 'POST /v1/email-otp/verify (wrong code)' });
  log(`service memory: ${await heapLine(serviceUrl)}`);
  svcWrong.baseline = baseVerify;

  // ── open loop: paced starts with the worker delivering every mail (start → mail latency at 100/s) ──
  log(`open loop: ${LATENCY_RATE} starts/s for ${LATENCY_SECONDS}s, worker delivering`);
  const loop100 = await paced(LATENCY_RATE, LATENCY_SECONDS);
  log(`service memory: ${await heapLine(serviceUrl)}`);
  log(`open loop: ${OPEN_LOOP_HIGH_RATE} starts/s for ${OPEN_LOOP_HIGH_SECONDS}s, worker delivering`);
  const loopHigh = await paced(OPEN_LOOP_HIGH_RATE, OPEN_LOOP_HIGH_SECONDS);
  log(`service memory: ${await heapLine(serviceUrl)}`);
  const latencyStats = loop100.stats;
  const latencies = loop100.mailMs;
  const missing = loop100.missing;
  const httpFailures = loop100.failures;
  const n = loop100.sent;
  const paceSeconds = loop100.seconds;

  // ── report ──────────────────────────────────────────────────────────────────────────────────
  const out: string[] = [];
  const rowsOut = [baseStart, baseVerify, svcStart, svcRight, svcWrong];
  out.push('', `## HTTP (autocannon, ${CONNECTIONS} connections, ${DURATION}s per row; verify-right runs ${rightPool.length} prepared challenges once)`, '');
  out.push('| scenario | req/s | p50 ms | p99 ms | RSS MB | ratio to baseline | target met? | server CPU % | requests (unexpected) |');
  out.push('|---|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const row of rowsOut) {
    let ratio = '—';
    let met = '(reference)';
    if (row.baseline) {
      const q = row.reqPerSec / row.baseline.reqPerSec;
      ratio = q.toFixed(2);
      // SPEC §8 judges latency at a paced rate (the open-loop table), not here: with 50 requests
      // always in flight, the mean latency is 50 ÷ the rate (Little's law), whatever the code.
      const misses = [q < TARGET.ratio ? `ratio < ${TARGET.ratio}` : '', row.rssMb >= TARGET.rssMb ? `RSS ≥ ${TARGET.rssMb} MB` : '', row.unexpected ? 'unexpected responses' : ''].filter(Boolean);
      met = misses.length ? `NO (${misses.join(', ')})` : 'yes';
    }
    out.push(`| ${row.scenario} | ${f0(row.reqPerSec)} | ${f1(row.p50)} | ${f1(row.p99)} | ${f0(row.rssMb)} | ${ratio} | ${met} | ${f0(row.cpuPercent)} | ${row.total} (${row.unexpected}) |`);
  }
  out.push(
    '',
    `CPU during each row, in % of one core (${CORES} cores = ${CORES * 100} %); "other processes" is everything else on this host (kernel, other people's tests); "machine busy" is % of all cores:`,
    '',
  );
  out.push('| scenario | server | postgres | redis | bench (autocannon + SMTP sink) | other processes | machine busy % | CPU ms per operation: server / postgres / redis |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---|');
  // Operations: responses for the HTTP rows, mails for the drain, starts (each with its mail) for the open loops.
  const cpuRows: [string, CpuShare, number][] = [
    ...rowsOut.map((r4) => [r4.scenario, r4.cpu, r4.total] as [string, CpuShare, number]),
    ['mail: worker throughput', drainStats.cpu, drained],
    [`open loop ${LATENCY_RATE}/s (mail: start → mail latency)`, loop100.stats.cpu, loop100.sent],
    [`open loop ${OPEN_LOOP_HIGH_RATE}/s`, loopHigh.stats.cpu, loopHigh.sent],
  ];
  const other = (c: CpuShare) => Math.max(0, c.machine * CORES - c.server - c.postgres - c.redis - c.bench);
  for (const [name, c, ops] of cpuRows) out.push(`| ${name} | ${f0(c.server)} | ${f0(c.postgres)} | ${f0(c.redis)} | ${f0(c.bench)} | ${f0(other(c))} | ${f0(c.machine)} | ${cpuPerOp(c, ops)} |`);
  const noisy = cpuRows.filter(([, c]) => other(c) > 30).map(([name]) => name);
  if (noisy.length) out.push('', `WARNING: other work used more than 30 % of a core during: ${noisy.join('; ')}. Those rows (and ratios built on them) are noisy; run again.`);
  out.push(...budgetReport(rowsOut));
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const latOk = p99 < TARGET.mailP99Ms && missing === 0 && httpFailures.length === 0;
  out.push(
    ...mailTable(drain, [
      `| start → mail at ${f0(n / paceSeconds)} starts/s (${n} starts) | p50 ${f0(p50)} ms, p99 ${f0(p99)} ms${missing ? `, ${missing} never arrived` : ''}${httpFailures.length ? `, ${httpFailures.length} failed starts` : ''} | p99 < ${TARGET.mailP99Ms} ms | ${latOk ? 'yes' : 'NO'} | ${f0(latencyStats.peakRssMb)} | ${f0(latencyStats.cpuPercent)} | — |`,
    ]),
  );
  out.push(...openLoopReport([loop100, loopHigh]));
  out.push(...timingReport(timing));
  out.push('', `verify (right code) issued ${tokens} tokens. Status counts: ${rowsOut.map((r3) => `${r3.scenario.replace(/ \(.*/, '')}: ${JSON.stringify(r3.statuses)}`).join('; ')}`);
  out.push(`Total bench time ${((performance.now() - T0) / 1000).toFixed(0)} s (before cleanup).`, '');
  process.stdout.write(out.join('\n') + '\n');
  await mailQueue.close();
}

interface Drain {
  backlog: number;
  drained: number;
  drainMs: number;
  drainStats: ReturnType<Sampler['stop']>;
}

/** Resumes the paused mail queue and waits until the backlog it holds has reached the sink. */
async function drainBacklog(mailQueue: Queue, service: Child, serviceUrl: string, backlog: number): Promise<Drain> {
  const sentBefore = sink!.count;
  log(`worker throughput: draining ${backlog} queued mails`);
  const drainSampler = new Sampler(service, companions);
  const drainT0 = performance.now();
  await mailQueue.resume();
  await sink!.waitForCount(sentBefore + backlog, 90_000);
  const drainMs = performance.now() - drainT0;
  const drainStats = drainSampler.stop();
  log(`service memory: ${await heapLine(serviceUrl)}`);
  return { backlog, drained: sink!.count - sentBefore, drainMs, drainStats };
}

/**
 * SPEC §8: at least 1000 mails/s to a local SMTP sink on one core. The row is met when the drain
 * reached that rate while the mail worker (inline: the API process; separate: the worker
 * process) used no more than one core.
 */
function mailRow(d: Drain): string {
  const mailsPerSec = d.drained / (d.drainMs / 1000);
  const cpuMsPerMail = msPerOp(d.drainStats.cpuPercent, d.drainStats.cpu.seconds, d.drained);
  const ok = mailsPerSec >= TARGET.mailsPerSec && d.drained >= d.backlog && d.drainStats.cpuPercent <= 100;
  return `| worker throughput (backlog of ${d.backlog} mails) | ${f0(mailsPerSec)} mails/s (${d.drained} in ${(d.drainMs / 1000).toFixed(1)} s) | ≥ ${TARGET.mailsPerSec} mails/s on one core | ${ok ? 'yes' : 'NO'} | ${f0(d.drainStats.peakRssMb)} | ${f0(d.drainStats.cpuPercent)} | ${cpuMsPerMail.toFixed(2)} (${f0(1000 / cpuMsPerMail)}) |`;
}

/** The mail table: the drain's row, then any others (the full run adds start → mail latency). */
function mailTable(d: Drain, more: string[] = []): string[] {
  return [
    '',
    `## Mail (${SEPARATE_WORKER ? 'separate worker process' : 'inline worker'} → local SMTP sink)`,
    '',
    '| scenario | result | target | target met? | API RSS MB | server CPU % | server CPU ms per mail (mails per core-second) |',
    '|---|---|---|---|---:|---:|---|',
    mailRow(d),
    ...more,
  ];
}

/** CPU ms per operation from a share in % of one core held for `seconds`. */
function msPerOp(pct: number, seconds: number, ops: number): number {
  return (pct * seconds * 10) / Math.max(1, ops);
}

/**
 * Where the ratio target stands in CPU. When a row and its baseline both keep the machine busy,
 * their rates are set by the CPU each operation costs all processes together, so a ratio of 0.5
 * needs a service operation to cost at most twice the baseline's. The table shows that budget,
 * what PostgreSQL and Redis spend of it, and what that leaves the service process.
 */
function budgetReport(rows: LoadRow[]): string[] {
  const perOp = (pct: number, r: LoadRow) => msPerOp(pct, r.cpu.seconds, r.total);
  const out = [
    '',
    `CPU budget of the ratio target, in ms per operation across all processes (from "machine busy"): a ratio of ${TARGET.ratio} allows at most the baseline's ÷ ${TARGET.ratio}:`,
    '',
    '| scenario | baseline: machine | budget | service row: machine | of it PostgreSQL + Redis | of it bench + other processes | left for the service process at the budget | service process spent |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const machine = (r: LoadRow) => perOp(r.cpu.machine * CORES, r);
  for (const r of rows) {
    if (!r.baseline) continue;
    const budget = machine(r.baseline) / TARGET.ratio;
    const server = perOp(r.cpu.server, r);
    const stores = perOp(r.cpu.postgres + r.cpu.redis, r);
    const rest = machine(r) - server - stores;
    out.push(
      `| ${r.scenario} | ${machine(r.baseline).toFixed(2)} | ${budget.toFixed(2)} | ${machine(r).toFixed(2)} | ${stores.toFixed(2)} | ${rest.toFixed(2)} | ${(budget - stores - rest).toFixed(2)} | ${server.toFixed(2)} |`,
    );
  }
  return out;
}

/** CPU time of the server, PostgreSQL and Redis per operation, in ms. */
function cpuPerOp(c: CpuShare, ops: number): string {
  return [c.server, c.postgres, c.redis].map((pct) => msPerOp(pct, c.seconds, ops).toFixed(2)).join(' / ');
}

function openLoopReport(loops: OpenLoopResult[]): string[] {
  const out = ['', `## Open loop: paced starts, ${SEPARATE_WORKER ? 'a separate worker process' : 'the inline worker'} delivering every mail to the SMTP sink`, ''];
  out.push(
    '| rate asked | achieved starts/s | HTTP p50 ms | p90 ms | p99 ms | start → mail p50 / p99 ms | target (p99 < 50 ms at 500/s) | API RSS MB | server CPU % | failed (never mailed) | bench loop lag p99 / max ms |',
  );
  out.push('|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|');
  for (const l of loops) {
    const [h50, h90, h99] = [50, 90, 99].map((q) => percentile(l.httpMs, q));
    const judged = l.rate >= OPEN_LOOP_HIGH_RATE;
    const ok = h99 < TARGET.p99Ms && l.failures.length === 0 && l.stats.peakRssMb < TARGET.rssMb && l.sent / l.seconds >= 0.95 * l.rate;
    out.push(
      `| ${l.rate}/s | ${f0(l.sent / l.seconds)} | ${f1(h50)} | ${f1(h90)} | ${f1(h99)} | ${f0(percentile(l.mailMs, 50))} / ${f0(percentile(l.mailMs, 99))} | ${judged ? (ok ? 'yes' : 'NO') : '(info)'} | ${f0(l.stats.peakRssMb)} | ${f0(l.stats.cpuPercent)} | ${l.failures.length} (${l.missing}) | ${f1(l.benchLagMs.p99)} / ${f1(l.benchLagMs.max)} |`,
    );
  }
  return out;
}

interface Timing {
  known: number[];
  unknown: number[];
  /** More known accounts: the A/A control. */
  control: number[];
}

/**
 * Known vs unknown account (SPEC §9.2): ENUM_SAMPLES sequential starts of each, one at a time (so
 * queueing does not hide a difference), sorted times in ms.
 */
async function measureTiming(serviceUrl: string, headers: Record<string, string>, takeUser: () => string): Promise<Timing> {
  log('start timing: known vs unknown accounts, one request at a time');
  const timing: Timing = { known: [], unknown: [], control: [] };
  // Interleaved in a random order (a CSPRNG shuffle), so drift on a noisy machine hits every
  // group alike. A fixed pattern is biased: a known start leaves work behind it (its mail is
  // enqueued and, by the inline worker, sent over the next milliseconds), and with K U U K … (or
  // pairs in random order) an unknown start follows a known one more often than a known one
  // does. In a shuffle, whatever precedes a start is independent of its own kind.
  // `control` is a second group of known accounts: known vs control is an A/A test that shows
  // whether this machine, at this moment, lets a KS test tell anything apart at all.
  const order = (['known', 'unknown', 'control'] as const).flatMap((kind) => Array<keyof Timing>(ENUM_SAMPLES).fill(kind));
  for (let k = order.length - 1; k > 0; k--) {
    const j = randomInt(k + 1);
    [order[k], order[j]] = [order[j], order[k]];
  }
  // The first 200 (half of each kind) warm the service up and are not recorded.
  const warmUp = Array.from({ length: 200 }, (_, i): keyof Timing => (i % 2 ? 'known' : 'unknown'));
  for (const [i, kind] of [...warmUp, ...order].entries()) {
    const email = kind === 'unknown' ? `ghost${i}-${randomBytes(4).toString('hex')}@bench.test` : takeUser();
    const t = performance.now();
    const r = await fetch(`${serviceUrl}/v1/email-otp/start`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email }) });
    await r.arrayBuffer();
    if (r.status !== 202) throw new Error(`timing start answered ${r.status}`);
    if (i >= warmUp.length) timing[kind].push(performance.now() - t);
  }
  for (const times of Object.values(timing) as number[][]) times.sort((a, b) => a - b);
  return timing;
}

/** The timing table: p50/p90/p99 per side, the median difference and a two-sample KS test. */
function timingReport(timing: Timing): string[] {
  const out: string[] = [];
  const timingDiff = Math.abs(percentile(timing.known, 50) - percentile(timing.unknown, 50));
  const ks = kolmogorovSmirnov(timing.known, timing.unknown);
  const control = kolmogorovSmirnov(timing.known, timing.control);
  out.push('', `## Start timing, known vs unknown account (${ENUM_SAMPLES} sequential starts of each group, interleaved in a random order)`, '');
  out.push('| account | p50 ms | p90 ms | p99 ms |', '|---|---:|---:|---:|');
  for (const kind of ['known', 'unknown', 'control'] as const)
    out.push(`| ${kind} | ${f1(percentile(timing[kind], 50))} | ${f1(percentile(timing[kind], 90))} | ${f1(percentile(timing[kind], 99))} |`);
  out.push(
    '',
    `median difference ${timingDiff.toFixed(2)} ms (target < 1 ms: ${timingDiff < 1 ? 'met' : 'NOT met'}); ` +
      `Kolmogorov–Smirnov D = ${ks.d.toFixed(3)}, p = ${ks.p.toFixed(3)} (target p > 0.01: ${ks.p > 0.01 ? 'met' : 'NOT met'}).`,
    `Control (known vs known, an A/A test of the machine): D = ${control.d.toFixed(3)}, p = ${control.p.toFixed(3)}${control.p <= 0.01 ? ' — the machine was too noisy for this test to mean anything; run again' : ''}.`,
  );
  return out;
}

let cleaning: Promise<void> | undefined;
const finish = (code: number) => {
  cleaning ??= cleanup().finally(() => process.exit(code));
  return cleaning;
};
const fail = (err: Error | undefined) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  return finish(1);
};
process.on('SIGINT', () => void finish(130));
// A sampler reading /proc of a service that has died throws from a timer: still drop the run's databases and keys.
process.on('uncaughtException', (err) => void fail(err));
process.on('SIGTERM', () => void finish(143));
process.on('exit', () => children.forEach((c) => c.killNow()));

const budget = setTimeout(() => {
  log('bench exceeded its 4-minute budget; stopping');
  void finish(1);
}, 240_000);
budget.unref();

main().then(() => finish(0), fail);
