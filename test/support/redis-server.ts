import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { waitFor } from './wait';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server for tests that stop Redis and bring it back empty. */
export class TestRedis {
  private proc?: ChildProcess;
  port = 0;

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await waitFor(
        async () => {
          if (probe.status !== 'ready') await probe.connect();
          await probe.ping();
        },
        { timeoutMs: 5000, intervalMs: 100 },
      );
    } finally {
      probe.disconnect();
    }
    return this;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async keys(): Promise<Record<string, string>> {
    const c = new Redis(this.port, '127.0.0.1');
    try {
      const out: Record<string, string> = {};
      for (const k of await c.keys('*')) {
        const type = await c.type(k);
        if (type === 'string') out[k] = (await c.get(k)) ?? '';
        else if (type === 'hash') out[k] = JSON.stringify(await c.hgetall(k));
        else if (type === 'list') out[k] = JSON.stringify(await c.lrange(k, 0, -1));
        else if (type === 'set') out[k] = JSON.stringify(await c.smembers(k));
        else if (type === 'zset') out[k] = JSON.stringify(await c.zrange(k, 0, -1));
        else if (type === 'stream') out[k] = JSON.stringify(await c.xrange(k, '-', '+'));
        else out[k] = type;
      }
      return out;
    } finally {
      c.disconnect();
    }
  }
}
