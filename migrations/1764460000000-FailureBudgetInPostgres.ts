import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily failure budget (wrong email codes and second-factor answers per user, across
 * challenges) moves from Redis into PostgreSQL, so a start can read it, and look up its user, in
 * the one statement that writes the challenge. A row is one subject's fixed 24 h window: it
 * starts with the subject's first failure and ends at `resets_at`. Counts kept in Redis before
 * this migration are not carried over (every subject starts the day with its whole budget).
 */
export class FailureBudgetInPostgres1764460000000 implements MigrationInterface {
  name = 'FailureBudgetInPostgres1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE otp_failure_budgets (
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        subject text NOT NULL,
        failures integer NOT NULL,
        resets_at timestamptz NOT NULL,
        PRIMARY KEY (app_id, subject)
      )`);
    await q.query(`CREATE INDEX otp_failure_budgets_resets_idx ON otp_failure_budgets (resets_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS otp_failure_budgets`);
  }
}
