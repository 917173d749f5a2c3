import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { InsertPart, insertSql } from '../database/statement';
import { AuditEvent, AuditFilter } from './audit-event.model';

@Injectable()
export class AuditEventRepository {
  constructor(private readonly db: Db) {}

  async insert(part: InsertPart, tx: SqlExecutor = this.db): Promise<void> {
    const params: unknown[] = [];
    await tx.count(insertSql(part, params), params);
  }

  /** Newest first (by the bigint id: the selected `id` is text, so the ORDER BY names the column). */
  list(appId: string, f: AuditFilter): Promise<AuditEvent[]> {
    const params: unknown[] = [appId];
    const where = ['app_id = $1'];
    if (f.externalUserId) where.push(`external_user_id = $${params.push(f.externalUserId)}`);
    if (f.type) where.push(`type = $${params.push(f.type)}`);
    if (f.beforeId) where.push(`id < $${params.push(f.beforeId)}`);
    params.push(f.limit);
    return this.db.rows<AuditEvent>(
      `SELECT id::text AS id, type, actor, external_user_id AS "externalUserId", ip, user_agent AS "userAgent", data, created_at AS "createdAt"
       FROM audit_events WHERE ${where.join(' AND ')} ORDER BY audit_events.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Events older than the retention period, at most `batch` of them. */
  purgeOlderThan(tx: SqlExecutor, batch: number, ageMs: number): Promise<number> {
    return tx.count(
      `DELETE FROM audit_events WHERE ctid IN (
         SELECT ctid FROM audit_events WHERE created_at < now() - ($2 || ' milliseconds')::interval LIMIT $1)`,
      [batch, String(ageMs)],
    );
  }
}
