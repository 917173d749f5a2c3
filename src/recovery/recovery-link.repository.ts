import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { NewRecoveryLink, RecoveryLinkState, RecoveryLinkWindow, RedeemedLink } from './recovery-link.model';

const LIVE = `consumed_at IS NULL AND superseded_at IS NULL AND cancelled_at IS NULL`;

@Injectable()
export class RecoveryLinkRepository {
  constructor(private readonly db: Db) {}

  /**
   * Consumes a live, available link by one conditional UPDATE; null when the hash names no such
   * link of the application (unknown, used, superseded, cancelled, expired or still cooling off).
   */
  async consume(tokenHash: Buffer, appId: string, tx: SqlExecutor = this.db): Promise<RedeemedLink | null> {
    const rows = await tx.rows<RedeemedLink>(
      `UPDATE recovery_links l SET consumed_at = now()
       WHERE token_hash = $1 AND app_id = $2 AND ${LIVE} AND available_at <= now() AND expires_at > now()
       RETURNING l.id, l.user_id AS "userId", (SELECT u.external_user_id FROM users u WHERE u.id = l.user_id) AS "externalUserId",
         l.revoke_on_redeem AS "revokeOnRedeem", l.available_at > l.created_at AS deferred`,
      [tokenHash, appId],
    );
    return rows[0] ?? null;
  }

  async state(tokenHash: Buffer, appId: string): Promise<RecoveryLinkState | null> {
    const rows = await this.db.rows<RecoveryLinkState>(
      `SELECT consumed_at IS NOT NULL AS used, superseded_at IS NOT NULL AS superseded, cancelled_at IS NOT NULL AS cancelled,
              expires_at <= now() AS expired, available_at AS "availableAt"
       FROM recovery_links WHERE token_hash = $1 AND app_id = $2`,
      [tokenHash, appId],
    );
    return rows[0] ?? null;
  }

  /** Supersedes the user's live links, so only the newest one works. */
  async supersedeLive(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<void> {
    await tx.count(`UPDATE recovery_links SET superseded_at = now() WHERE app_id = $1 AND user_id = $2 AND ${LIVE}`, [appId, userId]);
  }

  /** Cancels the user's pending support resets (links not yet redeemed, not expired); returns their ids. */
  async cancelPending(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<string[]> {
    const rows = await tx.rows<{ id: string }>(`UPDATE recovery_links SET cancelled_at = now() WHERE app_id = $1 AND user_id = $2 AND ${LIVE} AND expires_at > now() RETURNING id`, [appId, userId]);
    return rows.map((r) => r.id);
  }

  /** Inserts the link; it works from `now() + coolingOff` for `ttlMs` (the database clock, like `consume`). */
  async insert(l: NewRecoveryLink, tx: SqlExecutor = this.db): Promise<RecoveryLinkWindow> {
    const [row] = await tx.rows<RecoveryLinkWindow>(
      `WITH w AS (SELECT now() + make_interval(secs => $9) AS available_at)
       INSERT INTO recovery_links (id, app_id, user_id, token_hash, actor, reason, delivery, revoked_count, available_at, expires_at, revoke_on_redeem)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, w.available_at, w.available_at + make_interval(secs => $10 / 1000.0), $11 FROM w
       RETURNING available_at AS "availableAt", expires_at AS "expiresAt"`,
      [l.id, l.appId, l.userId, l.tokenHash, l.actor, l.reason, l.delivery, l.revokedCount, l.coolingOffSeconds, l.ttlMs, l.revokeOnRedeem],
    );
    return row;
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM recovery_links WHERE ctid IN (SELECT ctid FROM recovery_links WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
