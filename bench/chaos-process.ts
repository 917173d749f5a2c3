import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, whether this file runs from bench/ (jest) or dist/bench/ (npm run chaos). */
export const ROOT = existsSync(join(__dirname, '..', 'package.json')) ? join(__dirname, '..') : join(__dirname, '..', '..');

/** One built service process (`dist/src/main.js` or `dist/src/worker.js`) that the chaos run starts, kills and restarts. */
export class ChaosProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly tail: string[] = [];
  private readonly watchers: { re: RegExp; resolve: () => void }[] = [];

  constructor(
    readonly name: string,
    script: 'main' | 'worker',
    env: Record<string, string>,
  ) {
    this.proc = spawn(process.execPath, [join(ROOT, 'dist', 'src', `${script}.js`)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        this.tail.push(line);
        for (const w of this.watchers.filter((x) => x.re.test(line))) {
          this.watchers.splice(this.watchers.indexOf(w), 1);
          w.resolve();
        }
      }
      this.tail.splice(0, Math.max(0, this.tail.length - 60));
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  /** Set once it was seen ready (its start line, or a 200 from its readiness URL). */
  started = false;

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  output(): string {
    return this.tail.join('\n');
  }

  /** Resolves when the process logs a line matching `re` (logged from now on), or fails after `timeoutMs` or on exit. */
  async waitForLine(re: RegExp, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.watchers.push({ re, resolve: () => ((this.started = true), resolve()) })),
        this.exited.then((code) => Promise.reject(new Error(`${this.name} exited (${code}):\n${this.output()}`))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.name}: no ${re} within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls `url` until it answers 200. */
  async waitReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.output()}`);
      const status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) {
        this.started = true;
        return;
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: ${url} not 200 within ${timeoutMs} ms (last ${status}):\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM; the exit code, or null if it had to be killed after `limitMs`. */
  async terminate(limitMs = 12_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), limitMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
