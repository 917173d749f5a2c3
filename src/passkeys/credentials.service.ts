import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { SqlExecutor } from '../database/db';
import { PasskeyCredential } from './passkey-credential.model';
import { NewCredential, PasskeyCredentialRepository } from './passkey-credential.repository';

export type { NewCredential } from './passkey-credential.repository';

export type RevokeReason = 'recovery' | 'support_reset' | 'app_backend' | 'security_report';

/** What to revoke: listed credential ids, or every active passkey of the user but `except`. */
export type RevokeSelection = { ids: string[] } | { allExcept: string | null };

@Injectable()
export class CredentialsService {
  constructor(private readonly credentials: PasskeyCredentialRepository) {}

  /** Every passkey of a user, active and revoked, oldest first. */
  list(appId: string, userId: string): Promise<PasskeyCredential[]> {
    return this.credentials.listByUser(appId, userId);
  }

  async listActive(appId: string, userId: string): Promise<PasskeyCredential[]> {
    return (await this.list(appId, userId)).filter((c) => !c.revokedAt);
  }

  find(appId: string, credentialId: string): Promise<PasskeyCredential | null> {
    return this.credentials.find(appId, credentialId);
  }

  async insert(tx: SqlExecutor, c: NewCredential): Promise<PasskeyCredential> {
    try {
      return await this.credentials.insert(c, tx);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ApiError('conflict', 'This passkey is already registered.');
      throw err;
    }
  }

  /**
   * Revokes active passkeys of one user in one statement and returns the credential ids it revoked.
   * Listed ids that are not this user's passkeys are refused with `credential_not_found`.
   */
  async revoke(tx: SqlExecutor, appId: string, userId: string, which: RevokeSelection, reason: RevokeReason): Promise<string[]> {
    if ('ids' in which) {
      const ids = [...new Set(which.ids)];
      if (!ids.length) return [];
      const known = await this.credentials.existing(appId, userId, ids, tx);
      const missing = ids.find((id) => !known.includes(id));
      if (missing) throw new ApiError('credential_not_found', 'No such passkey for this user.', { credentialId: missing });
    }
    return this.credentials.revoke(appId, userId, which, reason, tx);
  }

  /** Records a sign-in; false when the passkey was revoked meanwhile. */
  touch(appId: string, credentialId: string, counter: number, backedUp: boolean): Promise<boolean> {
    return this.credentials.touch(appId, credentialId, counter, backedUp);
  }
}
