import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §9.1: exact-address lookup, recovery lock, per-user session revocation, support-reset
 * cooling-off and "This wasn't me" reports. Existing rows keep working: no user is locked, no
 * session is revoked, existing recovery links are available at once.
 */
export class TrustModel1764400000000 implements MigrationInterface {
  name = 'TrustModel1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_normalized text`);
    await q.query(`UPDATE users SET email_normalized = lower(normalize(btrim(email), NFKC))`);
    await q.query(`ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL`);
    await q.query(`CREATE INDEX users_app_email_normalized_idx ON users (app_id, email_normalized)`);
    await q.query(`DROP INDEX users_app_email_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN email_canonical`);
    await q.query(`ALTER TABLE users ADD COLUMN recovery_locked boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz`);

    await q.query(`ALTER TABLE applications ADD COLUMN support_reset_cooling_off_seconds int NOT NULL DEFAULT 0
      CHECK (support_reset_cooling_off_seconds BETWEEN 0 AND 259200)`);

    await q.query(`ALTER TABLE recovery_links ADD COLUMN available_at timestamptz`);
    await q.query(`UPDATE recovery_links SET available_at = created_at`);
    await q.query(`ALTER TABLE recovery_links ALTER COLUMN available_at SET NOT NULL`);
    await q.query(`ALTER TABLE recovery_links ADD COLUMN revoke_on_redeem boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE recovery_links ADD COLUMN cancelled_at timestamptz`);

    await q.query(`
      CREATE TABLE security_reports (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        event text NOT NULL,
        event_data jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX security_reports_expires_idx ON security_reports (expires_at)`);
    await q.query(`CREATE INDEX security_reports_user_idx ON security_reports (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS security_reports`);
    await q.query(`ALTER TABLE recovery_links DROP COLUMN cancelled_at, DROP COLUMN revoke_on_redeem, DROP COLUMN available_at`);
    await q.query(`ALTER TABLE applications DROP COLUMN support_reset_cooling_off_seconds`);
    await q.query(`ALTER TABLE users DROP COLUMN sessions_valid_after, DROP COLUMN recovery_locked`);
    await q.query(`ALTER TABLE users ADD COLUMN email_canonical text`);
    await q.query(`UPDATE users SET email_canonical = email_normalized`);
    await q.query(`ALTER TABLE users ALTER COLUMN email_canonical SET NOT NULL`);
    await q.query(`CREATE INDEX users_app_email_idx ON users (app_id, email_canonical)`);
    await q.query(`DROP INDEX users_app_email_normalized_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN email_normalized`);
  }
}
