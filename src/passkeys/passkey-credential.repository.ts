import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { DeviceType, PasskeyCredential } from './passkey-credential.model';

// counter is a bigint column; WebAuthn counters are 32-bit, so a JS number holds them exactly.
const COLUMNS = `id, app_id AS "appId", user_id AS "userId", credential_id AS "credentialId", public_key AS "publicKey",
  counter::float8 AS counter, transports, device_type AS "deviceType", backed_up AS "backedUp", aaguid, label,
  created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", revoke_reason AS "revokeReason"`;

export interface NewCredential {
  appId: string;
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: DeviceType;
  backedUp: boolean;
  aaguid: string;
  label: string;
}

/** Which active passkeys of a user to revoke: listed credential ids, or all but `allExcept`. */
export type CredentialFilter = { ids: string[] } | { allExcept: string | null };

@Injectable()
export class PasskeyCredentialRepository {
  constructor(private readonly db: Db) {}

  /** Every passkey of a user, active and revoked, oldest first. */
  listByUser(appId: string, userId: string): Promise<PasskeyCredential[]> {
    return this.db.rows<PasskeyCredential>(`SELECT ${COLUMNS} FROM passkey_credentials WHERE app_id = $1 AND user_id = $2 ORDER BY created_at`, [appId, userId]);
  }

  async find(appId: string, credentialId: string): Promise<PasskeyCredential | null> {
    const rows = await this.db.rows<PasskeyCredential>(`SELECT ${COLUMNS} FROM passkey_credentials WHERE app_id = $1 AND credential_id = $2`, [appId, credentialId]);
    return rows[0] ?? null;
  }

  /** Throws the driver's unique violation (23505) when the credential is already registered in the application. */
  async insert(c: NewCredential, tx: SqlExecutor = this.db): Promise<PasskeyCredential> {
    const [row] = await tx.rows<PasskeyCredential>(
      `INSERT INTO passkey_credentials
         (app_id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, label)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       RETURNING ${COLUMNS}`,
      [c.appId, c.userId, c.credentialId, Buffer.from(c.publicKey), c.counter, c.transports, c.deviceType, c.backedUp, c.aaguid, c.label],
    );
    return row;
  }

  /** Which of `credentialIds` are passkeys of this user (active or revoked). */
  async existing(appId: string, userId: string, credentialIds: string[], tx: SqlExecutor = this.db): Promise<string[]> {
    const rows = await tx.rows<{ credentialId: string }>(`SELECT credential_id AS "credentialId" FROM passkey_credentials WHERE app_id = $1 AND user_id = $2 AND credential_id = ANY($3::text[])`, [
      appId,
      userId,
      credentialIds,
    ]);
    return rows.map((r) => r.credentialId);
  }

  /** Revokes the selected active passkeys of one user in one statement; returns the credential ids it revoked. */
  async revoke(appId: string, userId: string, which: CredentialFilter, reason: string, tx: SqlExecutor = this.db): Promise<string[]> {
    const byIds = 'ids' in which;
    const filter = byIds ? `credential_id = ANY($4::text[])` : `($4::text IS NULL OR credential_id <> $4::text)`;
    const rows = await tx.rows<{ credentialId: string }>(
      `UPDATE passkey_credentials SET revoked_at = now(), revoke_reason = $3
       WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL AND ${filter}
       RETURNING credential_id AS "credentialId"`,
      [appId, userId, reason, byIds ? which.ids : which.allExcept],
    );
    return rows.map((r) => r.credentialId);
  }

  /** Records a sign-in; false when the passkey was revoked meanwhile. */
  async touch(appId: string, credentialId: string, counter: number, backedUp: boolean): Promise<boolean> {
    const updated = await this.db.count(
      `UPDATE passkey_credentials SET counter = GREATEST(counter, $3), backed_up = $4, last_used_at = now()
       WHERE app_id = $1 AND credential_id = $2 AND revoked_at IS NULL`,
      [appId, credentialId, counter, backedUp],
    );
    return updated === 1;
  }
}
