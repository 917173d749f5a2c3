import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { NewSecurityReport, SecurityReport } from './security-report.model';

const COLUMNS = `id, app_id AS "appId", user_id AS "userId", event, event_data AS "eventData", occurred_at AS "occurredAt",
  expires_at AS "expiresAt", used_at AS "usedAt"`;

@Injectable()
export class SecurityReportRepository {
  constructor(private readonly db: Db) {}

  async insert(r: NewSecurityReport, tx: SqlExecutor = this.db): Promise<void> {
    await tx.count(
      `INSERT INTO security_reports (id, app_id, user_id, token_hash, event, event_data, occurred_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.id, r.appId, r.userId, r.tokenHash, r.event, r.eventData, r.occurredAt, r.expiresAt],
    );
  }

  /** The report a token names, used or not (the preview and the reason a report is refused). */
  async findByHash(tokenHash: Buffer): Promise<SecurityReport | null> {
    return (await this.db.rows<SecurityReport>(`SELECT ${COLUMNS} FROM security_reports WHERE token_hash = $1`, [tokenHash]))[0] ?? null;
  }

  /** Uses a live report by one conditional UPDATE; null when the hash names no unused, unexpired report. */
  async consume(tokenHash: Buffer, tx: SqlExecutor = this.db): Promise<SecurityReport | null> {
    const rows = await tx.rows<SecurityReport>(
      `UPDATE security_reports SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING ${COLUMNS}`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM security_reports WHERE ctid IN (SELECT ctid FROM security_reports WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
