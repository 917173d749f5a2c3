/**
 * The durability proof (issue 7): two API instances (WORKER=off) and a separate mail worker, run
 * as real processes from dist/, a real SMTP server, a private Redis and PostgreSQL behind a TCP
 * proxy, under steady OTP starts while faults are injected one after the other. Used by
 * `npm run chaos` (bench/chaos.ts, one minute) and test/chaos.e2e-spec.ts (short form).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freshDatabaseUrl, PG_ADMIN_URL } from '../test/support/database';
import { TcpProxy } from '../test/support/proxy';
import { TestRedis } from '../test/support/redis-server';
import { ChaosProcess } from './chaos-process';
import { SmtpSink } from './smtp-sink';
import { freePort } from './child';
import { SMTP_POOL_SIZE } from '../src/mail/mail.transport';

/** The worker's concurrency, its SMTP pool size (the sink's URL sets none): docs/operations.md bounds duplicates by it. */
export const MAIL_CONCURRENCY = SMTP_POOL_SIZE;

export interface ChaosOptions {
  /** OTP starts per second, alternating between the two API instances. */
  rate: number;
  warmupMs: number;
  /** Steady load between two faults. */
  gapMs: number;
  redisDownMs: number;
  smtpRefuseMs: number;
  pgCutMs: number;
  /** Load once everything is back; no 503 is allowed in it. */
  afterMs: number;
  /** How long to wait at the end for every mail (and for the outbox to empty). */
  drainMs: number;
  log?: (msg: string) => void;
  /** Stops the run (cleaning up) at the next pause, e.g. on Ctrl-C. */
  signal?: AbortSignal;
}

export const FULL: ChaosOptions = { rate: 20, warmupMs: 5000, gapMs: 5000, redisDownMs: 1000, smtpRefuseMs: 10_000, pgCutMs: 5000, afterMs: 8000, drainMs: 30_000 };
export const SHORT: ChaosOptions = { rate: 15, warmupMs: 2000, gapMs: 2500, redisDownMs: 1000, smtpRefuseMs: 3000, pgCutMs: 5000, afterMs: 4000, drainMs: 20_000 };

type Outcome = 'status' | 'killed' | 'conn-error' | 'timeout';

interface StartRecord {
  phase: string;
  instance: number;
  outcome: Outcome;
  status?: number;
  challengeId?: string;
  error?: string;
}

export interface PhaseRow {
  phase: string;
  starts: number;
  accepted: number;
  unavailable: number;
  otherClientError: number;
  serverError: number;
  killed: number;
  connError: number;
  timeout: number;
}

export interface FaultRow {
  fault: string;
  atS: number;
  /** From the fault until both instances answered ready again (the worker: until it logged its start). */
  recoveredMs: number;
}

export interface ChaosReport {
  options: ChaosOptions;
  phases: PhaseRow[];
  faults: FaultRow[];
  accepted: number;
  delivered: number;
  lost: number;
  /** Extra deliveries of one outbox row (the crash window). */
  duplicates: number;
  duplicateBound: number;
  /** Rows left `sending` (SMTP may have accepted them) just after the worker was killed and PostgreSQL cut. */
  inWindow: { workerKill: number; pgCut: number };
  /** Mails whose delivery id is no outbox row of this run. */
  strays: number;
  outbox: Record<string, number>;
  drainMs: number;
  /** 503s answered after everything was back. */
  unavailableAfter: number;
  /** Anything but 2xx/4xx/503, a connection error on a live instance, or no answer within 10 s. */
  failures: string[];
  smtpRefused: number;
  exitCodes: Record<string, number | null>;
}

interface Api {
  name: string;
  port: number;
  url: string;
  proc: ChaosProcess;
  /** Bumped on every kill: a request sent to an earlier generation that fails was cut by the kill. */
  generation: number;
  down: boolean;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const pause = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (o.signal?.aborted) return reject(new Error('chaos run aborted'));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error('chaos run aborted'));
      };
      const timer = setTimeout(() => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  const runId = randomBytes(3).toString('hex');
  const directDbUrl = freshDatabaseUrl(`chaos_${runId}`);
  const varDir = mkdtempSync(join(tmpdir(), 'mellon-chaos-'));
  const redis = new TestRedis();
  const pg = new TcpProxy(Number(new URL(directDbUrl).port || 5432), new URL(directDbUrl).hostname);
  const smtp = new SmtpSink();
  smtp.captureDeliveryIds = true;
  const apis: Api[] = [];
  const workers: ChaosProcess[] = [];
  const exitCodes: Record<string, number | null> = {};
  const crashes: string[] = [];
  let stopping = false;
  const everySpawned: ChaosProcess[] = [];
  const killed = new Set<ChaosProcess>();
  const secret = randomBytes(24).toString('hex');
  const adminToken = randomBytes(16).toString('hex');

  try {
    await Promise.all([redis.start(), pg.start(), smtp.start()]);
    if (o.signal?.aborted) throw new Error('chaos run aborted');
    const proxied = new URL(directDbUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(pg.port);
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      SECRET_KEY: secret,
      ADMIN_TOKEN: adminToken,
      VAR_DIR: varDir,
      DEMO_APP: 'off',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: proxied.toString(),
      REDIS_URL: redis.url,
      SMTP_URL: smtp.url,
      OUTBOX_REDRIVE_AFTER: '1s',
      MAIL_BACKOFF: '200ms',
      METRICS_PORT: '0',
      RATE_API_PER_IP_MINUTE: '1000000',
      RATE_OTP_PER_APP_MINUTE: '1000000',
      RATE_OTP_PER_USER_HOUR: '1000',
      RATE_OTP_PER_EMAIL_HOUR: '1000',
    };
    let spawned = 0;
    // A running process that dies without being killed by the run is a failure; it is started again
    // so the run goes on. One that refuses to start while PostgreSQL is cut (exit 69) is retried.
    const watch = (p: ChaosProcess, killedByUs: () => boolean, restart: () => unknown) =>
      void p.exited.then(async (code) => {
        if (stopping || killedByUs()) return;
        log(`${p.name} exited by itself (code ${code})${p.started ? '' : ' during start-up'}; starting another`);
        if (p.started) crashes.push(`${p.name} exited by itself (code ${code}): ${crashReason(p.output())}`);
        await new Promise((r) => setTimeout(r, 500));
        if (!stopping) restart();
      });
    const spawnApi = (api: Api) => {
      const proc = new ChaosProcess(`${api.name}#${++spawned}`, 'main', { ...env, PORT: String(api.port), WORKER: 'off' });
      everySpawned.push(proc);
      api.proc = proc;
      watch(
        proc,
        () => api.down || api.proc !== proc,
        () => spawnApi(api),
      );
    };
    const startWorker = async () => {
      const w = new ChaosProcess(`worker${workers.length + 1}`, 'worker', { ...env, LOG_LEVEL: 'info' });
      workers.push(w);
      everySpawned.push(w);
      watch(
        w,
        () => killed.has(w),
        () => void startWorker().catch(() => undefined),
      );
      await w.waitForLine(/mail worker started/, 30_000);
      return w;
    };
    // Retries across a crash and its restart (see watch), within 40 s.
    const ready = async (api: Api) => {
      const deadline = Date.now() + 40_000;
      for (;;) {
        try {
          return await api.proc.waitReady(`${api.url}/health/ready`, Math.max(1000, deadline - Date.now()));
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await pause(300);
        }
      }
    };

    for (const name of ['api-a', 'api-b']) {
      const port = await freePort();
      apis.push({ name, port, url: `http://127.0.0.1:${port}`, generation: 0, down: false, proc: undefined as unknown as ChaosProcess });
    }
    // The first instance creates and migrates the database; then the others join.
    spawnApi(apis[0]);
    await ready(apis[0]);
    spawnApi(apis[1]);
    await Promise.all([ready(apis[1]), startWorker()]);
    log('2 API instances and 1 worker running');

    const app = await json<{ clientId: string; secretKey: string }>(apis[0].url, 'POST', '/v1/admin/applications', adminToken, {
      name: 'Chaos',
      mode: 'sandbox',
      allowedOrigins: ['https://chaos.test'],
      rpId: 'chaos.test',
      rpName: 'Chaos',
      recoveryUrl: 'https://chaos.test/recover',
      mailFrom: 'no-reply@chaos.test',
    });
    const faultTime = o.redisDownMs + o.smtpRefuseMs + o.pgCutMs + 15_000;
    const userCount = Math.ceil(o.rate * ((o.warmupMs + 5 * o.gapMs + o.afterMs + faultTime) / 1000) * 1.3);
    const emails = Array.from({ length: userCount }, (_, i) => `user${i}@chaos.test`);
    for (let i = 0; i < emails.length; i += 25) {
      await Promise.all(emails.slice(i, i + 25).map((email, j) => json(apis[(i + j) % 2].url, 'PUT', `/v1/users/u${i + j}`, app.secretKey, { email })));
    }
    log(`${userCount} users created`);

    // Steady load: each start for a user of its own, so no start supersedes another one's code.
    const records: StartRecord[] = [];
    const inFlight = new Set<Promise<void>>();
    let phase = '0. warm-up (steady)';
    let next = 0;
    const fire = () => {
      if (next >= emails.length) return;
      const email = emails[next];
      const api = apis[next++ % 2];
      const generation = api.generation;
      const wasDown = api.down;
      const rec: StartRecord = { phase, instance: apis.indexOf(api), outcome: 'status' };
      records.push(rec);
      const p = fetch(`${api.url}/v1/email-otp/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': app.clientId },
        body: JSON.stringify({ email }),
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (res) => {
          rec.status = res.status;
          const body = (await res.json().catch(() => ({}))) as { challengeId?: string; code?: string };
          if (res.status === 202) rec.challengeId = body.challengeId;
          else rec.error = body.code;
        })
        .catch((err: Error & { cause?: { code?: string } }) => {
          rec.error = `${err.name}: ${err.cause?.code ?? err.message}`;
          if (err.name === 'TimeoutError') rec.outcome = 'timeout';
          else rec.outcome = wasDown || api.down || api.generation !== generation ? 'killed' : 'conn-error';
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    const loadTimer = setInterval(fire, 1000 / o.rate);
    const t0 = Date.now();
    const faults: FaultRow[] = [];
    const inWindow = { workerKill: 0, pgCut: 0 };
    const fault = async (name: string, run: () => Promise<void>) => {
      if (faults.length) phase = `${faults.length}. … then steady`;
      await pause(o.gapMs);
      name = `${faults.length + 1}. ${name}`;
      phase = name;
      const at = Date.now();
      log(`fault: ${name}`);
      await run();
      faults.push({ fault: name, atS: Math.round((at - t0) / 100) / 10, recoveredMs: Date.now() - at });
    };
    const bothReady = () => Promise.all(apis.map(ready));
    // So that a kill or cut lands inside the crash window: a burst of starts, and the fault strikes
    // as the first of their mails arrive, while the rest are being sent.
    const midBurst = async () => {
      const seen = smtp.deliveries.length;
      for (let i = 0; i < Math.max(20, o.rate * 2); i++) fire();
      const deadline = Date.now() + 5000;
      while (smtp.deliveries.length < seen + 5 && Date.now() < deadline) await pause(2);
    };

    try {
      await pause(o.warmupMs);
      await fault('SIGKILL worker, start another', async () => {
        await midBurst();
        const w = workers[workers.length - 1];
        killed.add(w);
        await w.kill();
        inWindow.workerKill = await sending(directDbUrl);
        await startWorker();
      });
      await fault('SIGKILL api-b, start it again', async () => {
        const b = apis[1];
        b.down = true;
        b.generation++;
        await b.proc.kill();
        spawnApi(b);
        await ready(b);
        b.down = false;
      });
      await fault(`restart Redis empty (down ${o.redisDownMs / 1000} s)`, async () => {
        await redis.stop();
        await pause(o.redisDownMs);
        await redis.start();
        await bothReady();
      });
      await fault(`SMTP answers 421 for ${o.smtpRefuseMs / 1000} s`, async () => {
        smtp.refuseWith = 421;
        await pause(o.smtpRefuseMs).finally(() => (smtp.refuseWith = undefined));
      });
      await fault(`cut PostgreSQL for ${o.pgCutMs / 1000} s`, async () => {
        await midBurst();
        await pg.cut();
        inWindow.pgCut = await sending(directDbUrl);
        await pause(o.pgCutMs);
        await pg.restore();
        await bothReady();
      });
      phase = 'after (all back)';
      await pause(o.afterMs);
    } finally {
      clearInterval(loadTimer);
      await Promise.all([...inFlight]);
    }
    log(`load stopped after ${records.length} starts; draining`);

    // Every accepted start's mail, matched by the delivery id header to its outbox row's challenge.
    const accepted = records.filter((r) => r.status === 202 && r.challengeId);
    const drainStart = Date.now();
    let check = await mailCheck(directDbUrl, smtp, accepted);
    while ((check.missing > 0 || check.undelivered > 0) && Date.now() - drainStart < o.drainMs) {
      await pause(500);
      check = await mailCheck(directDbUrl, smtp, accepted);
    }
    const drainMs = Date.now() - drainStart;

    stopping = true;
    for (const p of [...apis.map((a) => a.proc), ...workers.filter((w) => w.running)]) exitCodes[p.name] = await p.terminate();

    const failures = [
      ...crashes,
      ...records
        .filter((r) => r.outcome === 'conn-error' || r.outcome === 'timeout' || (r.status !== undefined && !(r.status < 500 || r.status === 503)))
        .map((r) => `${r.phase} ${apis[r.instance].name}: ${r.status ?? r.error}${r.status ? ` ${r.error ?? ''}` : ''}`),
    ];
    return {
      options: o,
      phases: phaseRows(records),
      faults,
      accepted: accepted.length,
      delivered: accepted.length - check.missing,
      lost: check.missing,
      duplicates: check.duplicates,
      // docs/operations.md: per worker crash or PostgreSQL cut, at most the mails a worker had in flight.
      duplicateBound: MAIL_CONCURRENCY * (1 + 1),
      inWindow,
      strays: check.strays,
      outbox: check.outbox,
      drainMs,
      unavailableAfter: records.filter((r) => r.phase.startsWith('after') && r.status === 503).length,
      failures,
      smtpRefused: smtp.refused,
      exitCodes,
    };
  } finally {
    stopping = true;
    await Promise.all(everySpawned.map((p) => p.kill()));
    await smtp.stop().catch(() => undefined);
    await redis.stop().catch(() => undefined);
    await pg.cut().catch(() => undefined);
    await query(PG_ADMIN_URL, `DROP DATABASE IF EXISTS "${new URL(directDbUrl).pathname.slice(1)}" WITH (FORCE)`).catch(() => undefined);
    rmSync(varDir, { recursive: true, force: true });
  }
}

/** The error lines of a crashed process's last output. */
function crashReason(output: string): string {
  const lines = output.split('\n').filter((l) => /^\w*Error\b|Emitted 'error'/.test(l.trim()));
  return (lines.slice(-2).join(' | ') || output.split('\n').slice(-2).join(' | ')).slice(0, 300);
}

/** One statement on its own connection, straight to PostgreSQL (not through the proxy that may be cut). */
async function query<T>(databaseUrl: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function sending(databaseUrl: string): Promise<number> {
  const [row] = await query<{ n: number }>(databaseUrl, `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sending'`);
  return row.n;
}

async function mailCheck(databaseUrl: string, smtp: SmtpSink, accepted: StartRecord[]) {
  const rows = await query<{ id: string; challengeId: string | null; status: string }>(databaseUrl, `SELECT id, challenge_id AS "challengeId", status FROM mail_outbox`);
  const received = new Map<string, number>();
  for (const id of smtp.deliveries) if (id) received.set(id, (received.get(id) ?? 0) + 1);
  const byChallenge = new Map<string, string[]>();
  const outbox: Record<string, number> = {};
  for (const r of rows) {
    outbox[r.status] = (outbox[r.status] ?? 0) + 1;
    if (r.challengeId) byChallenge.set(r.challengeId, [...(byChallenge.get(r.challengeId) ?? []), r.id]);
  }
  const missing = accepted.filter((a) => !(byChallenge.get(a.challengeId!) ?? []).some((id) => received.has(id))).length;
  const ids = new Set(rows.map((r) => r.id));
  let duplicates = 0;
  let strays = smtp.deliveries.filter((id) => !id).length;
  for (const [id, n] of received) {
    if (!ids.has(id)) strays += n;
    else duplicates += n - 1;
  }
  const undelivered = rows.filter((r) => ['pending', 'queued', 'sending'].includes(r.status)).length;
  return { missing, duplicates, strays, outbox, undelivered };
}

function phaseRows(records: StartRecord[]): PhaseRow[] {
  const rows = new Map<string, PhaseRow>();
  for (const r of records) {
    const row = rows.get(r.phase) ?? { phase: r.phase, starts: 0, accepted: 0, unavailable: 0, otherClientError: 0, serverError: 0, killed: 0, connError: 0, timeout: 0 };
    rows.set(r.phase, row);
    row.starts++;
    if (r.outcome === 'killed') row.killed++;
    else if (r.outcome === 'conn-error') row.connError++;
    else if (r.outcome === 'timeout') row.timeout++;
    else if (r.status === 202) row.accepted++;
    else if (r.status === 503) row.unavailable++;
    else if (r.status! >= 400 && r.status! < 500) row.otherClientError++;
    else row.serverError++;
  }
  return [...rows.values()];
}

async function json<T = unknown>(base: string, method: string, path: string, bearer: string, body: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export function formatReport(r: ChaosReport): string {
  const table = (head: string[], rows: (string | number)[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
    const line = (cells: (string | number)[]) => '| ' + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ') + ' |';
    return [line(head), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...rows.map(line)].join('\n');
  };
  const phases = table(
    ['phase', 'starts', '202', '503', 'other 4xx', '5xx', 'conn err (killed)', 'conn err (live)', 'timeout'],
    r.phases.map((p) => [p.phase, p.starts, p.accepted, p.unavailable, p.otherClientError, p.serverError, p.killed, p.connError, p.timeout]),
  );
  const faults = table(
    ['fault', 'at (s)', 'back after (ms)'],
    r.faults.map((f) => [f.fault, f.atS, f.recoveredMs]),
  );
  const ok = (b: boolean) => (b ? 'ok' : 'FAIL');
  const results = table(
    ['check', 'value', 'verdict'],
    [
      ['starts answered 202 (existing users)', r.accepted, ''],
      ['their mails delivered', r.delivered, ''],
      ['lost', r.lost, ok(r.lost === 0)],
      [`duplicates (bound ${r.duplicateBound})`, r.duplicates, ok(r.duplicates <= r.duplicateBound)],
      ['rows `sending` at the worker kill / PG cut', `${r.inWindow.workerKill} / ${r.inWindow.pgCut}`, ''],
      ['mails matching no outbox row', r.strays, ok(r.strays === 0)],
      ['answers not 2xx/4xx/503, live conn errors, timeouts', r.failures.length, ok(r.failures.length === 0)],
      ['503 once everything was back', r.unavailableAfter, ok(r.unavailableAfter === 0)],
      ['SMTP deliveries refused with 421', r.smtpRefused, ''],
      ['drain after load (ms)', r.drainMs, ''],
      [
        'outbox rows by status',
        Object.entries(r.outbox)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        '',
      ],
      [
        'exit codes on SIGTERM at the end',
        Object.entries(r.exitCodes)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        ok(Object.values(r.exitCodes).every((c) => c === 0)),
      ],
    ],
  );
  const failures = r.failures.length ? `\nfailures:\n${r.failures.slice(0, 20).join('\n')}\n` : '';
  return `${phases}\n\n${faults}\n\n${results}\n${failures}`;
}

/** The verdict both `npm run chaos` and the test apply. */
export function chaosPassed(r: ChaosReport): boolean {
  return r.lost === 0 && r.duplicates <= r.duplicateBound && r.strays === 0 && r.failures.length === 0 && r.unavailableAfter === 0 && r.accepted > 0;
}
