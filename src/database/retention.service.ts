import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Rows that only matter until they expire are deleted a while after, so tables stay small:
 * expired challenges, ceremonies, links and tokens (kept a day, so "expired"/"used" answers stay
 * accurate meanwhile) and delivered mail (kept a week; the sandbox outbox shows 24 h). Audit events
 * and passkeys are kept. One instance at a time does it (advisory lock), in bounded batches.
 */
export const RETENTION: { table: string; where: string }[] = [
  { table: 'otp_challenges', where: `expires_at < now() - interval '1 day'` },
  { table: 'webauthn_ceremonies', where: `expires_at < now() - interval '1 day'` },
  { table: 'recovery_links', where: `expires_at < now() - interval '1 day'` },
  { table: 'opaque_tokens', where: `expires_at < now() - interval '1 day'` },
  { table: 'spent_tokens', where: `expires_at < now() - interval '1 day'` },
  { table: 'mail_outbox', where: `status IN ('sent', 'failed') AND created_at < now() - interval '7 days'` },
];

const LOCK = 0x6d656c72; // "melr"
const EVERY_MS = 15 * 60_000;
const BATCH = 5000;

@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge().catch((err: Error) => this.logger.warn(`purge: ${err.message}`)), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes what has outlived its use; returns the rows deleted per table (none when another instance holds the lock). */
  async purge(): Promise<Record<string, number>> {
    return this.db.transaction(async (m) => {
      const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [LOCK]);
      const deleted: Record<string, number> = {};
      if (!locked) return deleted;
      for (const { table, where } of RETENTION) {
        deleted[table] = 0;
        for (;;) {
          const [, count] = (await m.query(`DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where} LIMIT ${BATCH})`)) as [unknown, number];
          deleted[table] += count;
          if (count < BATCH) break;
        }
      }
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total) this.logger.log(`purged ${total} expired row(s): ${JSON.stringify(deleted)}`);
      return deleted;
    });
  }
}
