import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';
import { OUTBOX_QUEUED } from '../mail/mail.constants';
import { LOCALES } from '../common/locales';
import { budgetSpentSql } from '../rate-limit/failure-budget.repository';
import { ChallengeAttempt, ChallengeState, Outcome, OUTCOMES, StartChallenge } from './otp-challenge.model';

/**
 * "Neither consumed nor superseded", spelled so that the partial index otp_challenges_live_idx
 * (whose predicate is `consumed_at IS NULL AND superseded_at IS NULL`) cannot serve it: a lookup
 * by id must use the primary key. With stale statistics (a young table, or a prepared
 * statement's generic plan) the planner otherwise walks the whole live index for one id.
 */
export const LIVE_BY_ID = (alias: string) => `num_nulls(${alias}.consumed_at, ${alias}.superseded_at) = 2`;

/** The supported locales as an SQL list, for the start's check of the user's stored locale. */
const LOCALES_SQL = LOCALES.map((l) => `'${l}'`).join(', ');

@Injectable()
export class OtpChallengeRepository {
  constructor(private readonly db: Db) {}

  /**
   * The whole start in one statement, atomic like a transaction and one round trip: finds the
   * user the caller named, reads its daily failure budget, supersedes the subject's live
   * challenges, and inserts the new challenge, its audit event and (only for a known user who is
   * neither recovery-locked nor over budget) its outbox row. Known and unknown accounts run the
   * same statement text, so they share one prepared statement and its plan on every connection
   * (SPEC §9.2 timing parity).
   *
   * `audit` and `outbox` are the rows as their services build them; the statement fills in what
   * the lookup decides: the audit event's user, external id (the named one for an unknown
   * account) and type (`auditTypes`), and the mail's user, address and locale (`preferredLocale`,
   * else the user's own, else the part's value). A known user's subject is `userSubject`'s
   * `user:<id>`, spelled in SQL here.
   */
  async start(c: StartChallenge, audit: InsertPart, outbox: InsertPart): Promise<Outcome> {
    const params: unknown[] = [c.appId, c.named.email, c.fallbackSubject, c.purpose, c.maxFailures];
    const found = c.named.externalUserId
      ? `SELECT id, external_user_id, email, locale, recovery_locked FROM users
         WHERE app_id = $1 AND external_user_id = $${params.push(c.named.externalUserId)} AND email_normalized = $2`
      : // An address several users share names none of them (SPEC §9.1).
        `SELECT id, external_user_id, email, locale, recovery_locked FROM users u
         WHERE app_id = $1 AND email_normalized = $2
           AND NOT EXISTS (SELECT 1 FROM users o WHERE o.app_id = $1 AND o.email_normalized = $2 AND o.id <> u.id)`;
    const [sent, unknown, recoveryLocked, budgetSpent] = OUTCOMES.map((o) => `$${params.push(c.auditTypes[o])}`);
    const preferred = `$${params.push(c.preferredLocale)}::text`;
    const parts = [
      `found AS (${found})`,
      `named AS (SELECT u.id AS user_id, u.external_user_id, u.email, u.locale, COALESCE(u.subject, $3) AS subject,
         CASE WHEN u.id IS NULL THEN 'unknown_account' WHEN u.recovery_locked THEN 'recovery_locked'
              WHEN ${budgetSpentSql('$1', 'u.subject', '$5')} THEN 'budget_spent' ELSE 'sent' END AS outcome
         FROM (SELECT 1) one LEFT JOIN (SELECT *, 'user:' || id AS subject FROM found) u ON true)`,
      // The subject as a scalar subquery, not a join: a value the index condition can use, so the
      // live index serves the update even in a generic plan on a table with stale statistics.
      `superseded AS (UPDATE otp_challenges SET superseded_at = now()
         WHERE app_id = $1 AND subject = (SELECT subject FROM named) AND purpose = $4 AND consumed_at IS NULL AND superseded_at IS NULL RETURNING 1)`,
      `challenge AS (${insertSql(
        {
          table: 'otp_challenges',
          columns: ['id', 'app_id', 'user_id', 'subject', 'purpose', 'code_hash', 'max_attempts', 'expires_at'],
          values: [c.id, c.appId, null, null, c.purpose, c.codeHash, c.maxAttempts, c.expiresAt],
        },
        params,
        // Only a challenge whose code is mailed can match: the others have no user.
        { from: 'named', computed: { user_id: `CASE WHEN named.outcome = 'sent' THEN named.user_id END`, subject: 'named.subject' }, returning: '1' },
      )})`,
      `audit AS (${insertSql(audit, params, {
        from: 'named',
        computed: {
          user_id: 'named.user_id',
          external_user_id: 'COALESCE(named.external_user_id, $value)',
          type: `CASE named.outcome WHEN 'sent' THEN ${sent} WHEN 'unknown_account' THEN ${unknown} WHEN 'recovery_locked' THEN ${recoveryLocked} ELSE ${budgetSpent} END`,
        },
        returning: '1',
      })})`,
      `outbox AS (${insertSql(outbox, params, {
        from: `named WHERE named.outcome = 'sent'`,
        computed: {
          user_id: 'named.user_id',
          to_address: 'named.email',
          locale: `COALESCE(${preferred}, CASE WHEN named.locale IN (${LOCALES_SQL}) THEN named.locale END, $value)`,
        },
        literals: OUTBOX_QUEUED,
        returning: '1',
      })})`,
    ];
    const [row] = await this.db.rows<{ outcome: Outcome }>(`WITH ${parts.join(',\n')} SELECT outcome FROM named`, params);
    return row.outcome;
  }

  /**
   * Counts an attempt in the same statement that decides whether the challenge is still live;
   * null when it is not. Also reads whether the subject's daily budget of `maxFailures` is spent.
   */
  async countAttempt(id: string, appId: string, maxFailures: number): Promise<ChallengeAttempt | null> {
    const rows = await this.db.rows<ChallengeAttempt>(
      `UPDATE otp_challenges c SET attempts = c.attempts + 1
       WHERE c.id = $1 AND c.app_id = $2 AND ${LIVE_BY_ID('c')}
         AND c.expires_at > now() AND c.attempts < c.max_attempts
       RETURNING c.code_hash AS "codeHash", c.attempts, c.max_attempts AS "maxAttempts", c.user_id AS "userId", c.subject,
         c.purpose, c.created_at AS "createdAt",
         (SELECT u.external_user_id FROM users u WHERE u.id = c.user_id) AS "externalUserId",
         ${budgetSpentSql('c.app_id', 'c.subject', '$3')} AS "budgetSpent"`,
      [id, appId, maxFailures],
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
