import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';

/** The budget's window: a subject's failures count from its first one for 24 hours. */
const FAILURE_WINDOW = `interval '1 day'`;

/**
 * Whether a subject's budget of `maxSql` failures is spent, as an SQL expression (each argument
 * a placeholder or a column), for statements that decide on it without a round trip of their
 * own: the OTP start and the count of a verify's attempt.
 */
export function budgetSpentSql(appSql: string, subjectSql: string, maxSql: string): string {
  return `EXISTS (SELECT 1 FROM otp_failure_budgets f WHERE f.app_id = ${appSql} AND f.subject = ${subjectSql} AND f.resets_at > now() AND f.failures >= ${maxSql})`;
}

/**
 * `otp_failure_budgets`: each subject's wrong answers in its current 24 h window (a fixed window
 * that starts with the first failure). Incremented atomically (the upsert locks the row), so
 * instances and concurrent requests share one count.
 */
@Injectable()
export class FailureBudgetRepository {
  constructor(private readonly db: Db) {}

  /** Counts one failure and records its audit event in the same statement; returns the window's failures so far. */
  async record(appId: string, subject: string, audit: InsertPart): Promise<number> {
    const params: unknown[] = [appId, subject];
    const [row] = await this.db.rows<{ failures: number }>(
      `WITH budget AS (
         INSERT INTO otp_failure_budgets AS b (app_id, subject, failures, resets_at) VALUES ($1, $2, 1, now() + ${FAILURE_WINDOW})
         ON CONFLICT (app_id, subject) DO UPDATE SET
           failures = CASE WHEN b.resets_at > now() THEN b.failures + 1 ELSE 1 END,
           resets_at = CASE WHEN b.resets_at > now() THEN b.resets_at ELSE now() + ${FAILURE_WINDOW} END
         RETURNING b.failures),
       audit AS (${insertSql(audit, params)})
       SELECT failures FROM budget`,
      params,
    );
    return row.failures;
  }

  async spent(appId: string, subject: string, max: number): Promise<boolean> {
    const [row] = await this.db.rows<{ spent: boolean }>(`SELECT ${budgetSpentSql('$1', '$2', '$3')} AS spent`, [appId, subject, max]);
    return row.spent;
  }

  clear(appId: string, subject: string): Promise<number> {
    return this.db.count(`DELETE FROM otp_failure_budgets WHERE app_id = $1 AND subject = $2`, [appId, subject]);
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM otp_failure_budgets WHERE ctid IN (SELECT ctid FROM otp_failure_budgets WHERE resets_at < now() LIMIT $1)`, [batch]);
  }
}
