import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { rows as sqlRows } from '../database/sql';
import { DeviceType, PasskeyCredential } from './passkey-credential.entity';

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

export type RevokeReason = 'recovery' | 'support_reset' | 'app_backend';

/** What to revoke: listed credential ids, or every active passkey of the user but `except`. */
export type RevokeSelection = { ids: string[] } | { allExcept: string | null };

interface CredentialRow {
  credential_id: string;
}

@Injectable()
export class CredentialsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(PasskeyCredential) private readonly repo: Repository<PasskeyCredential>,
  ) {}

  /** Every passkey of a user, active and revoked, oldest first. */
  list(appId: string, userId: string): Promise<PasskeyCredential[]> {
    return this.repo.find({ where: { appId, userId }, order: { createdAt: 'ASC' } });
  }

  async listActive(appId: string, userId: string): Promise<PasskeyCredential[]> {
    return (await this.list(appId, userId)).filter((c) => !c.revokedAt);
  }

  find(appId: string, credentialId: string): Promise<PasskeyCredential | null> {
    return this.repo.findOneBy({ appId, credentialId });
  }

  async insert(manager: EntityManager, c: NewCredential): Promise<PasskeyCredential> {
    try {
      await manager.query(
        `INSERT INTO passkey_credentials
           (app_id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, label)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [c.appId, c.userId, c.credentialId, Buffer.from(c.publicKey), c.counter, c.transports, c.deviceType, c.backedUp, c.aaguid, c.label],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ApiError('conflict', 'This passkey is already registered.');
      throw err;
    }
    return manager.getRepository(PasskeyCredential).findOneByOrFail({ appId: c.appId, credentialId: c.credentialId });
  }

  /**
   * Revokes active passkeys of one user in one statement and returns the credential ids it revoked.
   * Listed ids that are not this user's passkeys are refused with `credential_not_found`.
   */
  async revoke(manager: EntityManager, appId: string, userId: string, which: RevokeSelection, reason: RevokeReason): Promise<string[]> {
    if ('ids' in which) {
      const ids = [...new Set(which.ids)];
      if (!ids.length) return [];
      const known: CredentialRow[] = await manager.query(
        `SELECT credential_id FROM passkey_credentials WHERE app_id = $1 AND user_id = $2 AND credential_id = ANY($3::text[])`,
        [appId, userId, ids],
      );
      const missing = ids.find((id) => !known.some((k) => k.credential_id === id));
      if (missing) throw new ApiError('credential_not_found', 'No such passkey for this user.', { credentialId: missing });
    }
    const params: unknown[] = [appId, userId, reason];
    const filter = 'ids' in which ? `credential_id = ANY($4::text[])` : `($4::text IS NULL OR credential_id <> $4::text)`;
    params.push('ids' in which ? which.ids : which.allExcept);
    const revoked = await sqlRows<CredentialRow>(
      manager,
      `UPDATE passkey_credentials SET revoked_at = now(), revoke_reason = $3
       WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL AND ${filter}
       RETURNING credential_id`,
      params,
    );
    return revoked.map((r) => r.credential_id);
  }

  /** Records a sign-in; false when the passkey was revoked meanwhile. */
  async touch(appId: string, credentialId: string, counter: number, backedUp: boolean): Promise<boolean> {
    const updated = await sqlRows(
      this.db,
      `UPDATE passkey_credentials SET counter = GREATEST(counter, $3), backed_up = $4, last_used_at = now()
       WHERE app_id = $1 AND credential_id = $2 AND revoked_at IS NULL RETURNING id`,
      [appId, credentialId, counter, backedUp],
    );
    return updated.length === 1;
  }
}
