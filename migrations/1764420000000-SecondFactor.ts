import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §9.4: a second factor for recovery. TOTP secrets are stored only encrypted (AES-256-GCM,
 * key derived from SECRET_KEY), recovery codes only as keyed hashes. Existing applications keep
 * recovering by email alone (`recovery_policy` defaults to `email`).
 */
export class SecondFactor1764420000000 implements MigrationInterface {
  name = 'SecondFactor1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE applications ADD COLUMN recovery_policy text NOT NULL DEFAULT 'email'
      CHECK (recovery_policy IN ('email', 'email+second_factor'))`);

    // An enrollment waits for its first code; finishing it moves the secret to totp_factors.
    await q.query(`
      CREATE TABLE totp_enrollments (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        secret_enc bytea NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX totp_enrollments_expires_idx ON totp_enrollments (expires_at)`);
    await q.query(`CREATE INDEX totp_enrollments_user_idx ON totp_enrollments (user_id)`);

    // One authenticator per user; last_time_step makes each RFC 6238 time step usable once.
    await q.query(`
      CREATE TABLE totp_factors (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        secret_enc bytea NOT NULL,
        last_time_step bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE recovery_codes (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash bytea NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, code_hash)
      )`);

    // Wrong answers per recovery_pending token (by jti), counted before the answer is compared.
    await q.query(`
      CREATE TABLE second_factor_attempts (
        jti text PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        attempts int NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX second_factor_attempts_expires_idx ON second_factor_attempts (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS second_factor_attempts`);
    await q.query(`DROP TABLE IF EXISTS recovery_codes`);
    await q.query(`DROP TABLE IF EXISTS totp_factors`);
    await q.query(`DROP TABLE IF EXISTS totp_enrollments`);
    await q.query(`ALTER TABLE applications DROP COLUMN recovery_policy`);
  }
}
