import { MigrationInterface, QueryRunner } from 'typeorm';

export class Passkeys1764390000000 implements MigrationInterface {
  name = 'Passkeys1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE passkey_credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id text NOT NULL,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        device_type text NOT NULL CHECK (device_type IN ('singleDevice','multiDevice')),
        backed_up boolean NOT NULL,
        aaguid text NOT NULL,
        label text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoke_reason text,
        CONSTRAINT passkey_credentials_app_credential_uq UNIQUE (app_id, credential_id)
      )`);
    await q.query(`CREATE INDEX passkey_credentials_app_user_idx ON passkey_credentials (app_id, user_id, created_at)`);
    await q.query(`
      CREATE TABLE webauthn_ceremonies (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('registration','authentication')),
        challenge text NOT NULL,
        token_jti uuid,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webauthn_ceremonies_expires_idx ON webauthn_ceremonies (expires_at)`);
    await q.query(`
      CREATE TABLE recovery_links (
        id uuid PRIMARY KEY,
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        actor text NOT NULL,
        reason text NOT NULL,
        delivery text NOT NULL CHECK (delivery IN ('email','link')),
        revoked_count int NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        superseded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recovery_links_live_idx ON recovery_links (app_id, user_id) WHERE consumed_at IS NULL AND superseded_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['recovery_links', 'webauthn_ceremonies', 'passkey_credentials']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
