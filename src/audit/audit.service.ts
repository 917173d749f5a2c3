import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { PreparedStatements } from '../database/prepared';
import { InsertPart, insertSql } from '../database/statement';

export interface AuditInput {
  appId: string;
  type: string;
  actor: string;
  userId?: string | null;
  externalUserId?: string | null;
  meta?: RequestMeta;
  data?: Record<string, unknown>;
}

export interface AuditQuery {
  externalUserId?: string;
  type?: string;
  limit: number;
  cursor?: string;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sql: PreparedStatements,
  ) {}

  /** Records one event; pass the transaction's manager to commit it with the change it describes. */
  async record(e: AuditInput, manager?: EntityManager): Promise<void> {
    const params: unknown[] = [];
    const text = insertSql(this.row(e), params);
    if (manager) await manager.query(text, params);
    else await this.sql.rows(text, params);
  }

  /** The event as an insert, for statements that record it together with the change it describes. */
  row(e: AuditInput): InsertPart {
    return {
      table: 'audit_events',
      columns: ['app_id', 'user_id', 'external_user_id', 'type', 'actor', 'ip', 'user_agent', 'data'],
      values: [e.appId, e.userId ?? null, e.externalUserId ?? null, e.type, e.actor, e.meta?.ip ?? null, e.meta?.userAgent ?? null, e.data ?? {}],
    };
  }

  async list(appId: string, q: AuditQuery) {
    const params: unknown[] = [appId];
    const where = ['app_id = $1'];
    if (q.externalUserId) where.push(`external_user_id = $${params.push(q.externalUserId)}`);
    if (q.type) where.push(`type = $${params.push(q.type)}`);
    if (q.cursor) {
      const id = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!/^\d{1,19}$/.test(id)) {
        throw new ApiError('invalid_request', 'The cursor is not valid.', { details: [{ field: 'cursor', problem: 'not a cursor from a previous page' }] });
      }
      where.push(`id < $${params.push(id)}`);
    }
    params.push(q.limit + 1);
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT id, type, actor, external_user_id, ip, user_agent, data, created_at FROM audit_events
       WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return {
      events: page.map((r) => ({
        id: String(r.id),
        type: r.type,
        actor: r.actor,
        externalUserId: r.external_user_id,
        ip: r.ip,
        userAgent: r.user_agent,
        data: r.data,
        createdAt: r.created_at,
      })),
      nextCursor: more ? Buffer.from(String(page[page.length - 1].id)).toString('base64url') : null,
    };
  }
}
