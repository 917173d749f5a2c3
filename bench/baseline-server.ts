/**
 * The bare baseline the benchmark compares the service with: Fastify + pg + BullMQ doing only the
 * minimal work of each endpoint (SPEC §8). Runs as its own child process on its own database.
 *   POST /start  {email}                 → one INSERT + one BullMQ add → 202 {challengeId}
 *   POST /verify {challengeId, code}     → one UPDATE … RETURNING      → 200
 */
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';

async function main() {
  const port = Number(process.env.PORT);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  await pool.query(`CREATE TABLE IF NOT EXISTS baseline_challenges (
    id uuid PRIMARY KEY, email text NOT NULL, code_hash bytea NOT NULL,
    attempts int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())`);
  const queue = new Queue('baseline-mail', {
    connection: { url: process.env.REDIS_URL },
    prefix: process.env.REDIS_PREFIX,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  app.get('/health', async () => ({ status: 'ok' }));
  app.post<{ Body: { email: string } }>('/start', async (req, reply) => {
    const id = randomUUID();
    await pool.query('INSERT INTO baseline_challenges (id, email, code_hash) VALUES ($1, $2, $3)', [id, req.body.email, randomBytes(32)]);
    await queue.add('deliver', { deliveryId: id }, { jobId: id });
    reply.code(202);
    return { challengeId: id };
  });
  app.post<{ Body: { challengeId: string; code: string } }>('/verify', async (req) => {
    const r = await pool.query('UPDATE baseline_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING code_hash, attempts', [req.body.challengeId]);
    return { ok: r.rowCount === 1 };
  });
  await app.listen({ port, host: '127.0.0.1' });

  const stop = async () => {
    await app.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`baseline failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
