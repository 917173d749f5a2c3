import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';

/** `second_factor_attempts`: answers given with one recovery_pending token (by its jti). */
@Injectable()
export class SecondFactorAttemptRepository {
  constructor(private readonly db: Db) {}

  /** Counts one answer before it is compared; returns the count including this one. */
  async count(jti: string, appId: string, userId: string, expiresAt: Date): Promise<number> {
    const [row] = await this.db.rows<{ attempts: number }>(
      `INSERT INTO second_factor_attempts (jti, app_id, user_id, attempts, expires_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (jti) DO UPDATE SET attempts = second_factor_attempts.attempts + 1
       RETURNING attempts`,
      [jti, appId, userId, expiresAt],
    );
    return row.attempts;
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM second_factor_attempts WHERE ctid IN (SELECT ctid FROM second_factor_attempts WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
