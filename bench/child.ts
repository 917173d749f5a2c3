import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { findRepoFolder } from '../src/common/static-files';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** The node flags `npm start` / `npm run worker` run their entry point with (package.json: `node <flags> dist/src/main.js` / `worker.js`; none if the script has another shape). */
export function npmNodeFlags(script: 'start' | 'worker'): string[] {
  const pkg = JSON.parse(readFileSync(join(findRepoFolder('.', 'package.json', __dirname), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const entry = script === 'start' ? 'main' : 'worker';
  return (new RegExp(`^node (.*?)\\s*dist/src/${entry}\\.js$`).exec(pkg.scripts[script])?.[1] ?? '').split(' ').filter(Boolean);
}

/** A free loopback port (the OS picks it; the listener is closed before the child binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** One server under test, run as its own process so its memory and CPU are measured alone. */
export class Child {
  readonly proc: ChildProcess;
  private readonly tail: string[] = [];
  exited = false;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
  ) {
    this.proc = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 40));
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.proc.once('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  output(): string {
    return this.tail.join('\n');
  }

  /** Resident set size in MB, from /proc/<pid>/status. */
  rssMb(): number {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  /** CPU seconds used so far (user + system), from /proc/<pid>/stat. */
  cpuSeconds(): number {
    return procCpuSeconds(this.pid);
  }

  async waitReady(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited during start-up:\n${this.output()}`);
      try {
        const res = await fetch(url);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort on process exit. */
  killNow(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

function procCpuSeconds(pid: string | number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0; // exited meanwhile
  }
}

/** CPU seconds used so far by each process with this command name (e.g. every postgres backend). */
function cpuByPid(name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) found.set(pid, procCpuSeconds(pid));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** CPU used between two snapshots by processes alive at the end (one that exited in between is not counted). */
function cpuDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU seconds of the whole machine, from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = v.map(Number);
  const idle = n[3] + n[4];
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

export interface CpuShare {
  /** Percent of one core, over the scenario's wall time. */
  server: number;
  postgres: number;
  redis: number;
  bench: number;
  /** Percent of all cores busy (anything: including other people's work on this machine). */
  machine: number;
  /** Wall time the shares were measured over. */
  seconds: number;
}

function cpuSnapshot(child: Child, companions: Child[]) {
  return {
    server: child.cpuSeconds() + companions.reduce((sum, c) => sum + c.cpuSeconds(), 0),
    postgres: cpuByPid('postgres'),
    redis: cpuByPid('redis-server'),
    bench: procCpuSeconds(process.pid),
    machine: machineCpu(),
  };
}

/**
 * Peak RSS of a child and CPU use of it plus its companions (a separate mail worker counts as
 * server CPU), of postgres, redis and the bench itself, over one scenario.
 */
export class Sampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly cpu0: ReturnType<typeof cpuSnapshot>;
  private readonly t0 = Date.now();

  constructor(
    private readonly child: Child,
    private readonly companions: Child[] = [],
  ) {
    this.cpu0 = cpuSnapshot(child, companions);
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  private sample() {
    const rss = this.child.rssMb();
    if (rss > this.peak) this.peak = rss;
  }

  stop(): { peakRssMb: number; cpuPercent: number; cpu: CpuShare } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.t0) / 1000;
    const now = cpuSnapshot(this.child, this.companions);
    const pct = (a: number, b: number) => ((a - b) / seconds) * 100;
    const cpu = {
      server: pct(now.server, this.cpu0.server),
      postgres: (cpuDelta(this.cpu0.postgres, now.postgres) / seconds) * 100,
      redis: (cpuDelta(this.cpu0.redis, now.redis) / seconds) * 100,
      bench: pct(now.bench, this.cpu0.bench),
      machine: ((now.machine.busy - this.cpu0.machine.busy) / (now.machine.total - this.cpu0.machine.total)) * 100,
      seconds,
    };
    return { peakRssMb: this.peak, cpuPercent: cpu.server, cpu };
  }
}
