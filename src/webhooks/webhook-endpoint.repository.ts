import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { WebhookEndpoint } from './webhook.model';

const COLUMNS = `id, app_id AS "appId", url, events, created_at AS "createdAt"`;

@Injectable()
export class WebhookEndpointRepository {
  constructor(private readonly db: Db) {}

  /** Inserts unless the application already has `max` endpoints; null then. */
  async insert(e: { id: string; appId: string; url: string; events: string[]; secretEnc: Buffer }, max: number): Promise<WebhookEndpoint | null> {
    const rows = await this.db.rows<WebhookEndpoint>(
      `INSERT INTO webhook_endpoints (id, app_id, url, events, secret_enc)
       SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM webhook_endpoints WHERE app_id = $2) < $6
       RETURNING ${COLUMNS}`,
      [e.id, e.appId, e.url, e.events, e.secretEnc, max],
    );
    return rows[0] ?? null;
  }

  list(appId: string): Promise<WebhookEndpoint[]> {
    return this.db.rows<WebhookEndpoint>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE app_id = $1 ORDER BY created_at, id`, [appId]);
  }

  async exists(appId: string, id: string): Promise<boolean> {
    return (await this.db.count(`SELECT 1 FROM webhook_endpoints WHERE app_id = $1 AND id = $2`, [appId, id])) > 0;
  }

  /** Its deliveries go with it (ON DELETE CASCADE), so a queued job finds nothing left to send. */
  async delete(appId: string, id: string): Promise<boolean> {
    return (await this.db.count(`DELETE FROM webhook_endpoints WHERE app_id = $1 AND id = $2`, [appId, id])) > 0;
  }
}
