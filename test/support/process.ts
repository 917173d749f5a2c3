import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, SECRET_KEY } from './service';

const ROOT = join(__dirname, '..', '..');

/** Compiles dist/ when a source file is newer than it (as `npm run worker` does). */
export function buildIfStale(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: 'ignore' });
}

/** The built service (`dist/src/main.js`) or worker as a real process, for tests of signals and crashes. */
export class ServiceProcess {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(script: 'main' | 'worker', env: Record<string, string>) {
    this.proc = spawn(process.execPath, [join(ROOT, 'dist', 'src', `${script}.js`)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        SECRET_KEY,
        ADMIN_TOKEN,
        VAR_DIR: mkdtempSync(join(tmpdir(), 'mellon-proc-')),
        DEMO_APP: 'off',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.lines.splice(0, Math.max(0, this.lines.length - 200));
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /** Sends SIGTERM and resolves with how long the process took to exit (or rejects after `limitMs`, killing it). */
  async terminate(limitMs = 15_000): Promise<number> {
    const t0 = Date.now();
    this.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        reject(new Error(`still running ${limitMs} ms after SIGTERM:\n${this.lines.slice(-20).join('\n')}`));
      }, limitMs);
    });
    try {
      await Promise.race([this.exited, limit]);
    } finally {
      clearTimeout(timer);
    }
    return Date.now() - t0;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}
