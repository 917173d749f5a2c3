import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';
import { OUTBOX_QUEUED } from '../mail/mail.constants';
import { ChallengeAttempt, ChallengeState, NewChallenge } from './otp-challenge.model';

/**
 * "Neither consumed nor superseded", spelled so that the partial index otp_challenges_live_idx
 * (whose predicate is `consumed_at IS NULL AND superseded_at IS NULL`) cannot serve it: a lookup
 * by id must use the primary key. With stale statistics (a young table, or a prepared
 * statement's generic plan) the planner otherwise walks the whole live index for one id.
 */
export const LIVE_BY_ID = (alias: string) => `num_nulls(${alias}.consumed_at, ${alias}.superseded_at) = 2`;

@Injectable()
export class OtpChallengeRepository {
  constructor(private readonly db: Db) {}

  /**
   * Supersedes the subject's live challenges and inserts the new one, its audit event and (when
   * `send`: a real account) its outbox row in one statement: atomic like a transaction, in one
   * round trip. Known and unknown accounts run the same statement text, so they share one
   * prepared statement and its plan on every connection (SPEC §9.2 timing parity: a statement
   * only one path used was parsed and custom-planned more often, and the unknown path was slower).
   */
  async start(c: NewChallenge, audit: InsertPart, outbox: InsertPart, send: boolean): Promise<void> {
    const params: unknown[] = [c.appId, c.subject, c.purpose];
    const parts = [
      `superseded AS (UPDATE otp_challenges SET superseded_at = now()
         WHERE app_id = $1 AND subject = $2 AND purpose = $3 AND consumed_at IS NULL AND superseded_at IS NULL RETURNING 1)`,
      `challenge AS (${insertSql(
        {
          table: 'otp_challenges',
          columns: ['id', 'app_id', 'user_id', 'subject', 'purpose', 'code_hash', 'max_attempts', 'expires_at'],
          values: [c.id, c.appId, c.userId, c.subject, c.purpose, c.codeHash, c.maxAttempts, c.expiresAt],
        },
        params,
        { returning: '1' },
      )})`,
      `audit AS (${insertSql(audit, params, { returning: '1' })})`,
    ];
    parts.push(`outbox AS (${insertSql(outbox, params, { literals: OUTBOX_QUEUED, returning: '1', onlyIf: send })})`);
    await this.db.rows(`WITH ${parts.join(',\n')} SELECT 1`, params);
  }

  /** Counts an attempt in the same statement that decides whether the challenge is still live; null when it is not. */
  async countAttempt(id: string, appId: string): Promise<ChallengeAttempt | null> {
    const rows = await this.db.rows<ChallengeAttempt>(
      `UPDATE otp_challenges c SET attempts = c.attempts + 1
       WHERE c.id = $1 AND c.app_id = $2 AND ${LIVE_BY_ID('c')}
         AND c.expires_at > now() AND c.attempts < c.max_attempts
       RETURNING c.code_hash AS "codeHash", c.attempts, c.max_attempts AS "maxAttempts", c.user_id AS "userId", c.subject,
         c.purpose, c.created_at AS "createdAt",
         (SELECT u.external_user_id FROM users u WHERE u.id = c.user_id) AS "externalUserId"`,
      [id, appId],
    );
    return rows[0] ?? null;
  }

  /** Consumes the challenge (one conditional UPDATE) and records `audit` only if it did; false when it was no longer live. */
  async consume(id: string, audit: InsertPart): Promise<boolean> {
    const params: unknown[] = [id];
    const rows = await this.db.rows(
      `WITH consumed AS (UPDATE otp_challenges SET consumed_at = now()
         WHERE id = $1 AND ${LIVE_BY_ID('otp_challenges')} AND expires_at > now() RETURNING id),
       audit AS (${insertSql(audit, params, { from: 'consumed' })})
       SELECT id FROM consumed`,
      params,
    );
    return rows.length === 1;
  }

  async state(id: string, appId: string): Promise<ChallengeState | null> {
    const rows = await this.db.rows<ChallengeState>(
      `SELECT consumed_at IS NOT NULL AS consumed, superseded_at IS NOT NULL AS superseded,
              expires_at <= now() AS expired, attempts >= max_attempts AS locked, user_id AS "userId", purpose
       FROM otp_challenges WHERE id = $1 AND app_id = $2`,
      [id, appId],
    );
    return rows[0] ?? null;
  }

  /** Supersedes every live challenge of a user (a security report freezes the account); returns how many. */
  supersedeUser(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<number> {
    return tx.count(`UPDATE otp_challenges SET superseded_at = now() WHERE app_id = $1 AND user_id = $2 AND consumed_at IS NULL AND superseded_at IS NULL`, [appId, userId]);
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM otp_challenges WHERE ctid IN (SELECT ctid FROM otp_challenges WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
