import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Db, SqlExecutor } from './db';

/** Deletes up to `batch` rows of one table that have outlived their use; returns how many it deleted. */
export type PurgeBatch = (tx: SqlExecutor, batch: number) => Promise<number>;

const LOCK = 0x6d656c72; // "melr"
const EVERY_MS = 15 * 60_000;
const BATCH = 5000;

/**
 * Rows that only matter until they expire are deleted a while after, so tables stay small. Each
 * module owns the rule for its tables and registers it here (its repository holds the statement);
 * this service only runs them: every 15 minutes where a scheduler runs (API and worker), one
 * instance at a time (advisory lock), in bounded batches.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');
  private readonly rules = new Map<string, PurgeBatch>();

  constructor(private readonly db: Db) {}

  register(table: string, purge: PurgeBatch): void {
    this.rules.set(table, purge);
  }

  @Interval('retention', EVERY_MS)
  async scheduled(): Promise<void> {
    await this.purge().catch((err: Error) => this.logger.warn(`purge: ${err.message}`));
  }

  /** Runs every rule; returns the rows deleted per table (none when another instance holds the lock). */
  async purge(): Promise<Record<string, number>> {
    return this.db.transaction(async (tx) => {
      const [{ locked }] = await tx.rows<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [LOCK]);
      const deleted: Record<string, number> = {};
      if (!locked) return deleted;
      for (const [table, purge] of this.rules) {
        deleted[table] = 0;
        for (;;) {
          const count = await purge(tx, BATCH);
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
