import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A "This wasn't me" report on a second-factor event removes the factor that event added, and
 * only that one: the authenticator app remembers the enrollment it came from, and each recovery
 * code the set it was generated in. Rows from before this migration have neither (NULL), so a
 * report of an older event freezes the account but removes nothing.
 */
export class ReportableSecondFactors1764450000000 implements MigrationInterface {
  name = 'ReportableSecondFactors1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE totp_factors ADD COLUMN enrollment_id uuid`);
    await q.query(`ALTER TABLE recovery_codes ADD COLUMN set_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recovery_codes DROP COLUMN IF EXISTS set_id`);
    await q.query(`ALTER TABLE totp_factors DROP COLUMN IF EXISTS enrollment_id`);
  }
}
