import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { NewRecoveryLink, RecoveryLinkState, RedeemedLink } from './recovery-link.model';

@Injectable()
export class RecoveryLinkRepository {
  constructor(private readonly db: Db) {}

  /** Consumes a live link by one conditional UPDATE; null when the hash names no live link of the application. */
  async consume(tokenHash: Buffer, appId: string, tx: SqlExecutor = this.db): Promise<RedeemedLink | null> {
    const rows = await tx.rows<RedeemedLink>(
      `UPDATE recovery_links l SET consumed_at = now()
       WHERE token_hash = $1 AND app_id = $2 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > now()
       RETURNING l.id, l.user_id AS "userId", (SELECT u.external_user_id FROM users u WHERE u.id = l.user_id) AS "externalUserId"`,
      [tokenHash, appId],
    );
    return rows[0] ?? null;
  }

  async state(tokenHash: Buffer, appId: string): Promise<RecoveryLinkState | null> {
    const rows = await this.db.rows<RecoveryLinkState>(`SELECT consumed_at IS NOT NULL AS used, superseded_at IS NOT NULL AS superseded FROM recovery_links WHERE token_hash = $1 AND app_id = $2`, [
      tokenHash,
      appId,
    ]);
    return rows[0] ?? null;
  }

  /** Supersedes the user's live links, so only the newest one works. */
  async supersedeLive(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<void> {
    await tx.count(
      `UPDATE recovery_links SET superseded_at = now()
       WHERE app_id = $1 AND user_id = $2 AND consumed_at IS NULL AND superseded_at IS NULL`,
      [appId, userId],
    );
  }

  async insert(l: NewRecoveryLink, tx: SqlExecutor = this.db): Promise<void> {
    await tx.count(
      `INSERT INTO recovery_links (id, app_id, user_id, token_hash, actor, reason, delivery, revoked_count, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [l.id, l.appId, l.userId, l.tokenHash, l.actor, l.reason, l.delivery, l.revokedCount, l.expiresAt],
    );
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM recovery_links WHERE ctid IN (SELECT ctid FROM recovery_links WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
