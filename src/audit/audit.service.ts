import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { SqlExecutor } from '../database/db';
import { InsertPart } from '../database/statement';
import { AuditEventRepository } from './audit-event.repository';
import { webhookEventFor } from '../webhooks/webhook-events';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

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

const MAX_BIGINT = 2n ** 63n - 1n;

@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditEventRepository,
    private readonly webhooks: WebhookOutbox,
  ) {}

  /**
   * Records one event; pass the transaction to commit it with the change it describes. An event
   * apps can subscribe to also writes its webhook deliveries, in the same statement.
   */
  record(e: AuditInput, tx?: SqlExecutor): Promise<void> {
    const event = webhookEventFor(e);
    if (event) return this.webhooks.record(this.row(e), e, event, tx);
    return this.repo.insert(this.row(e), tx);
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
    let beforeId: string | undefined;
    if (q.cursor) {
      beforeId = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!/^\d{1,19}$/.test(beforeId) || BigInt(beforeId) > MAX_BIGINT) {
        throw new ApiError('invalid_request', 'The cursor is not valid.', { details: [{ field: 'cursor', problem: 'not a cursor from a previous page' }] });
      }
    }
    const rows = await this.repo.list(appId, { externalUserId: q.externalUserId, type: q.type, beforeId, limit: q.limit + 1 });
    const events = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return { events, nextCursor: more ? Buffer.from(events[events.length - 1].id).toString('base64url') : null };
  }
}
