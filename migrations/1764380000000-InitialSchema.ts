import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764380000000 implements MigrationInterface {
  name = 'InitialSchema1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE applications (
        id text PRIMARY KEY,
        client_id text NOT NULL UNIQUE,
        secret_key_hash bytea NOT NULL UNIQUE,
        name text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('sandbox','production')),
        allowed_origins text[] NOT NULL DEFAULT '{}',
        rp_id text NOT NULL,
        rp_name text NOT NULL,
        recovery_url text NOT NULL,
        mail_from text NOT NULL,
        locale text NOT NULL DEFAULT 'en',
        otp_length int NOT NULL DEFAULT 6 CHECK (otp_length BETWEEN 6 AND 8),
        is_demo boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        external_user_id text NOT NULL,
        email text NOT NULL,
        email_canonical text NOT NULL,
        locale text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_app_external_uq UNIQUE (app_id, external_user_id)
      )`);
    await q.query(`CREATE INDEX users_app_email_idx ON users (app_id, email_canonical)`);
    await q.query(`
      CREATE TABLE otp_challenges (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        subject text NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('login','recovery')),
        code_hash bytea NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        superseded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX otp_challenges_live_idx ON otp_challenges (app_id, subject, purpose) WHERE consumed_at IS NULL AND superseded_at IS NULL`);
    await q.query(`CREATE INDEX otp_challenges_expires_idx ON otp_challenges (expires_at)`);
    await q.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        challenge_id uuid,
        template text NOT NULL,
        locale text NOT NULL,
        to_address text NOT NULL,
        payload_enc bytea NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','queued','sending','sent','failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        queued_at timestamptz,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mail_outbox_undelivered_idx ON mail_outbox (created_at) WHERE status IN ('pending','queued','sending')`);
    await q.query(`CREATE INDEX mail_outbox_app_to_idx ON mail_outbox (app_id, to_address, created_at DESC)`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid,
        external_user_id text,
        type text NOT NULL,
        actor text NOT NULL,
        ip text,
        user_agent text,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_events_app_idx ON audit_events (app_id, id DESC)`);
    await q.query(`CREATE INDEX audit_events_app_user_idx ON audit_events (app_id, external_user_id, id DESC)`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_enc bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE opaque_tokens (
        token_hash bytea PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        jti uuid NOT NULL UNIQUE,
        claims jsonb NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX opaque_tokens_expires_idx ON opaque_tokens (expires_at)`);
    await q.query(`
      CREATE TABLE spent_tokens (
        jti uuid PRIMARY KEY,
        app_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        spent_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['spent_tokens', 'opaque_tokens', 'signing_keys', 'audit_events', 'mail_outbox', 'otp_challenges', 'users', 'applications']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
