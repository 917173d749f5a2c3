import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';
import { ClaimedDelivery, DeliveryLogEntry, WebhookEventRow } from './webhook.model';

export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** After an attempt: delivered, failed for good, or pending again until `retryInMs` from now. */
export type NextState = { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; retryInMs: number };

const UTC_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts the audit event and, in the same statement, one delivery per endpoint of its
   * application that subscribes to `event`; returns the delivery ids (none without endpoints).
   * `dispatched` marks them handed to the queue at once (the caller does that right after).
   */
  async insertWithEvent(audit: InsertPart, event: WebhookEventRow, dispatched: boolean, tx: SqlExecutor = this.db): Promise<string[]> {
    const params: unknown[] = [];
    const insertAudit = insertSql(audit, params, { returning: 'app_id, created_at' });
    const type = `$${params.push(event.type)}::text`;
    const data = `$${params.push(event.data)}::jsonb`;
    const rows = await tx.rows<{ id: string }>(
      `WITH e AS (${insertAudit})
       INSERT INTO webhook_deliveries (id, endpoint_id, app_id, event, payload, created_at, next_attempt_at, queued_at)
       SELECT gen_random_uuid(), w.id, w.app_id, ${type}, ${data}, e.created_at, e.created_at, ${dispatched ? 'now()' : 'NULL'}
       FROM e JOIN webhook_endpoints w ON w.app_id = e.app_id AND ${type} = ANY (w.events)
       RETURNING id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Claims a delivery for attempt number `attempt + 1` by one conditional UPDATE; null when it was
   * delivered, failed, deleted, or this job is stale (another attempt came first).
   */
  async claim(id: string, attempt: number): Promise<ClaimedDelivery | null> {
    const rows = await this.db.rows<ClaimedDelivery>(
      `UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
       FROM webhook_endpoints w, applications a
       WHERE d.id = $1 AND d.attempts = $2 AND d.status = 'pending' AND w.id = d.endpoint_id AND a.id = d.app_id
       RETURNING d.id, d.event, d.payload, d.attempts, d.created_at AS "createdAt", w.url, w.secret_enc AS "secretEnc", a.mode`,
      [id, attempt],
    );
    return rows[0] ?? null;
  }

  /** Records the attempt and the delivery's next state in one statement. */
  async finishAttempt(id: string, attempt: number, outcome: AttemptOutcome, next: NextState): Promise<void> {
    const retryIn = next.status === 'pending' ? String(next.retryInMs) : '0';
    await this.db.count(
      `WITH a AS (
         INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING)
       UPDATE webhook_deliveries SET status = $6, last_error = $4, updated_at = now(),
         delivered_at = CASE WHEN $6 = 'delivered' THEN now() END,
         next_attempt_at = CASE WHEN $6 = 'pending' THEN now() + ($7 || ' milliseconds')::interval ELSE next_attempt_at END,
         queued_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'sending'`,
      [id, attempt, outcome.statusCode, outcome.error, outcome.durationMs, next.status, retryIn],
    );
  }

  /**
   * For the relay: up to 500 deliveries that are due and not in the queue (never dispatched, or
   * dispatched longer than `redriveAfterMs` ago and still not attempted), and attempts stuck in
   * `sending` for 5 minutes (a worker died); marks them dispatched and returns them.
   */
  takeDue(redriveAfterMs: number): Promise<{ id: string; attempts: number }[]> {
    return this.db.rows<{ id: string; attempts: number }>(
      `UPDATE webhook_deliveries SET queued_at = now(), status = 'pending'
       WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE (status = 'pending' AND next_attempt_at <= now()
                AND (queued_at IS NULL OR GREATEST(queued_at, next_attempt_at) < now() - ($1 || ' milliseconds')::interval))
            OR (status = 'sending' AND updated_at < now() - interval '5 minutes')
         ORDER BY next_attempt_at LIMIT 500 FOR UPDATE SKIP LOCKED)
       RETURNING id, attempts`,
      [String(redriveAfterMs)],
    );
  }

  async countUndelivered(): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status IN ('pending', 'sending')`);
    return row.n;
  }

  /** The endpoint's deliveries, newest first, each with its attempts. */
  log(appId: string, endpointId: string, beforeSeq: string | null, limit: number): Promise<DeliveryLogEntry[]> {
    return this.db.rows<DeliveryLogEntry>(
      `SELECT d.seq::text AS seq, d.id, d.event AS type, d.status, d.created_at AS "createdAt", d.delivered_at AS "deliveredAt",
         CASE WHEN d.status IN ('pending', 'sending') THEN d.next_attempt_at END AS "nextAttemptAt",
         COALESCE((SELECT json_agg(json_build_object('attempt', t.attempt, 'statusCode', t.status_code, 'error', t.error,
                     'durationMs', t.duration_ms, 'at', to_char(t.created_at AT TIME ZONE 'UTC', ${UTC_ISO})) ORDER BY t.attempt)
                   FROM webhook_attempts t WHERE t.delivery_id = d.id), '[]'::json) AS attempts
       FROM webhook_deliveries d
       WHERE d.app_id = $1 AND d.endpoint_id = $2 AND ($3::bigint IS NULL OR d.seq < $3::bigint)
       ORDER BY d.seq DESC LIMIT $4`,
      [appId, endpointId, beforeSeq, limit],
    );
  }

  /** Delivered or failed deliveries (and their attempts) are kept 30 days. */
  purgeOld(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(
      `DELETE FROM webhook_deliveries WHERE ctid IN (
         SELECT ctid FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND created_at < now() - interval '30 days' LIMIT $1)`,
      [batch],
    );
  }
}
