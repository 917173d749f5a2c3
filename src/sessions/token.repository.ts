import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { TokenClaims } from './token.types';

/** Sandbox tokens (`opaque_tokens`, stored as a keyed hash) and spent single-use tokens (`spent_tokens`). */
@Injectable()
export class TokenRepository {
  constructor(private readonly db: Db) {}

  async insertOpaque(tokenHash: Buffer, claims: TokenClaims, expiresAt: string, tx: SqlExecutor = this.db): Promise<void> {
    await tx.count(`INSERT INTO opaque_tokens (token_hash, app_id, jti, claims, expires_at) VALUES ($1, $2, $3, $4, $5)`, [tokenHash, claims.aud, claims.jti, claims, expiresAt]);
  }

  async findOpaque(tokenHash: Buffer, appId: string): Promise<{ claims: TokenClaims; expired: boolean } | null> {
    const rows = await this.db.rows<{ claims: TokenClaims; expired: boolean }>(`SELECT claims, expires_at <= now() AS expired FROM opaque_tokens WHERE token_hash = $1 AND app_id = $2`, [
      tokenHash,
      appId,
    ]);
    return rows[0] ?? null;
  }

  async isSpent(jti: string): Promise<boolean> {
    return (await this.db.rows(`SELECT 1 FROM spent_tokens WHERE jti = $1`, [jti])).length > 0;
  }

  /** Marks the token spent; false when it already was. */
  async spend(jti: string, appId: string, expSeconds: number, tx: SqlExecutor = this.db): Promise<boolean> {
    const rows = await tx.rows(`INSERT INTO spent_tokens (jti, app_id, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (jti) DO NOTHING RETURNING jti`, [jti, appId, expSeconds]);
    return rows.length === 1;
  }

  purgeExpiredOpaque(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM opaque_tokens WHERE ctid IN (SELECT ctid FROM opaque_tokens WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }

  purgeExpiredSpent(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM spent_tokens WHERE ctid IN (SELECT ctid FROM spent_tokens WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
