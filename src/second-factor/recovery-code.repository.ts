import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';

/** `recovery_codes`: one row per code, keyed hash only; a used code keeps its row (used_at) until the set is replaced. */
@Injectable()
export class RecoveryCodeRepository {
  constructor(private readonly db: Db) {}

  /** Replaces the user's whole set with set `setId`; returns how many codes the old set had (0: first set). */
  async replace(appId: string, userId: string, setId: string, codes: { id: string; hash: Buffer }[], tx: SqlExecutor): Promise<number> {
    const replaced = await tx.count(`DELETE FROM recovery_codes WHERE app_id = $1 AND user_id = $2`, [appId, userId]);
    await tx.count(
      `INSERT INTO recovery_codes (id, app_id, user_id, set_id, code_hash)
       SELECT id, $1, $2, $3, hash FROM unnest($4::uuid[], $5::bytea[]) AS c(id, hash)`,
      [appId, userId, setId, codes.map((c) => c.id), codes.map((c) => c.hash)],
    );
    return replaced;
  }

  /** Removes the codes of set `setId` if they are still the user's; returns how many it removed. */
  deleteSet(appId: string, userId: string, setId: string, tx: SqlExecutor): Promise<number> {
    return tx.count(`DELETE FROM recovery_codes WHERE app_id = $1 AND user_id = $2 AND set_id = $3`, [appId, userId, setId]);
  }

  /** Uses a code by one conditional UPDATE; false when it is unknown or already used. */
  async consume(appId: string, userId: string, hash: Buffer, tx: SqlExecutor = this.db): Promise<boolean> {
    const n = await tx.count(`UPDATE recovery_codes SET used_at = now() WHERE app_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL`, [appId, userId, hash]);
    return n === 1;
  }

  async remaining(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<{ remaining: number; createdAt: Date | null }> {
    const [row] = await tx.rows<{ remaining: number; createdAt: Date | null }>(
      `SELECT (count(*) FILTER (WHERE used_at IS NULL))::int AS remaining, min(created_at) AS "createdAt"
       FROM recovery_codes WHERE app_id = $1 AND user_id = $2`,
      [appId, userId],
    );
    return row;
  }
}
