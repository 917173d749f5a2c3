import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { coalesce } from '../database/coalesce';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';
import { OUTBOX_QUEUED } from './mail.constants';
import { ClaimedMail, OutboxMail } from './mail-outbox.model';
import { LIVE_BY_ID } from '../otp/otp-challenge.repository';

@Injectable()
export class MailOutboxRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a row built by `MailProducer.row`, born queued. */
  async insert(part: InsertPart, tx: SqlExecutor = this.db): Promise<void> {
    const params: unknown[] = [];
    await tx.count(insertSql(part, params, { literals: OUTBOX_QUEUED }), params);
  }

  /**
   * Claims a row for sending by one conditional UPDATE; null when it is already sent, being sent,
   * failed for good, or unknown. A row for an OTP challenge that is no longer live (used,
   * superseded, locked, expired or purged) ends `skipped` instead: a late or re-driven mail never
   * delivers a code that cannot be used. (The one read of otp_challenges outside its module: it
   * must happen in the claiming statement.) Claims are coalesced like `markSent`: one UPDATE
   * claims the rows asked for while the previous one was in flight. A row is handed to one
   * caller only, also when two jobs for it land in one batch; an id that is not a UUID (a job not
   * written by this service) claims nothing, and does not fail the batch it came in.
   */
  readonly claim: (id: string) => Promise<ClaimedMail | null> = coalesce(async (ids: readonly string[]) => {
    const wellFormed = ids.filter((id) => isUUID(id));
    if (!wellFormed.length) return ids.map(() => null);
    const rows = await this.db.rows<ClaimedMail>(
      `WITH target AS (
         SELECT o.id, o.challenge_id IS NULL OR EXISTS (
           SELECT 1 FROM otp_challenges c
           WHERE c.id = o.challenge_id AND ${LIVE_BY_ID('c')}
             AND c.expires_at > now() AND c.attempts < c.max_attempts) AS live
         FROM mail_outbox o WHERE o.id = ANY($1::uuid[]) AND o.status IN ('pending', 'queued'))
       UPDATE mail_outbox o SET status = CASE WHEN t.live THEN 'sending' ELSE 'skipped' END,
         attempts = o.attempts + CASE WHEN t.live THEN 1 ELSE 0 END, updated_at = now()
       FROM applications a, target t
       WHERE o.id = t.id AND a.id = o.app_id AND o.status IN ('pending', 'queued')
       RETURNING o.id, o.app_id AS "appId", o.template, o.locale, o.to_address AS "toAddress", o.payload_enc AS "payloadEnc",
         a.mail_from AS "mailFrom", a.name AS "appName", o.created_at AS "createdAt", o.status`,
      [wellFormed],
    );
    const claimed = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = claimed.get(id) ?? null;
      claimed.delete(id);
      return row;
    });
  });

  /**
   * Marks a delivered row `sent`. The worker's marks are coalesced: while one UPDATE is in flight,
   * the marks that come in meanwhile wait and go out as the next one (`WHERE id = ANY(…)`), so
   * under load a mail costs PostgreSQL a fraction of a statement and a commit. Resolves once this
   * row's mark is committed; rejects if its batch failed.
   */
  readonly markSent: (id: string) => Promise<void> = coalesce(async (ids: readonly string[]) => {
    await this.db.count(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    return ids.map(() => undefined);
  });

  /** After a failed attempt: `queued` for the next retry, or `failed` for good. */
  async markUnsent(id: string, status: 'queued' | 'failed', error: string): Promise<void> {
    await this.db.count(`UPDATE mail_outbox SET status = $2, last_error = $3, queued_at = now(), updated_at = now() WHERE id = $1`, [id, status, error]);
  }

  /** Whose mail a row is (for the `mail.failed` audit event and webhook). */
  async owner(id: string): Promise<{ appId: string; userId: string | null; externalUserId: string | null } | null> {
    const rows = await this.db.rows<{ appId: string; userId: string | null; externalUserId: string | null }>(
      `SELECT o.app_id AS "appId", o.user_id AS "userId", u.external_user_id AS "externalUserId"
       FROM mail_outbox o LEFT JOIN users u ON u.id = o.user_id WHERE o.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Marks for re-driving (and returns) up to 500 rows written or queued longer than `afterMs` ago
   * and still undelivered, including rows in `sending` for as long (a worker died mid-send: the
   * crash window; such a mail may be delivered twice).
   */
  async takeStale(afterMs: number): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      `UPDATE mail_outbox SET queued_at = now(), status = CASE WHEN status = 'sending' THEN 'queued' ELSE status END
       WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE status IN ('pending', 'queued', 'sending') AND created_at > now() - interval '2 days'
           AND COALESCE(queued_at, created_at) < now() - ($1 || ' milliseconds')::interval
           AND (status <> 'sending' OR updated_at < now() - ($1 || ' milliseconds')::interval)
         ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [String(afterMs)],
    );
    return rows.map((r) => r.id);
  }

  async countUndelivered(): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE status IN ('pending','queued','sending')`);
    return row.n;
  }

  /** The application's mails of the last 24 hours, newest first, optionally to one address. */
  recentForApp(appId: string, to?: string): Promise<OutboxMail[]> {
    const columns = `id, template, locale, to_address AS "toAddress", payload_enc AS "payloadEnc", status, created_at AS "createdAt", sent_at AS "sentAt"`;
    const recent = `app_id = $1 AND created_at > now() - interval '24 hours'`;
    if (!to) {
      return this.db.rows<OutboxMail>(`SELECT ${columns} FROM mail_outbox WHERE ${recent} ORDER BY created_at DESC LIMIT 100`, [appId]);
    }
    return this.db.rows<OutboxMail>(`SELECT ${columns} FROM mail_outbox WHERE ${recent} AND lower(to_address) = lower($2) ORDER BY created_at DESC LIMIT 100`, [appId, to]);
  }

  /** Delivered, skipped or finally failed mail is kept a week. */
  purgeOld(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(
      `DELETE FROM mail_outbox WHERE ctid IN (
         SELECT ctid FROM mail_outbox WHERE status IN ('sent','failed','skipped') AND created_at < now() - interval '7 days' LIMIT $1)`,
      [batch],
    );
  }
}
