import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { Application, AppMode, RecoveryPolicy } from './application.model';

const COLUMNS = `id, client_id AS "clientId", name, mode, allowed_origins AS "allowedOrigins", rp_id AS "rpId",
  rp_name AS "rpName", recovery_url AS "recoveryUrl", mail_from AS "mailFrom", locale, otp_length AS "otpLength",
  support_reset_cooling_off_seconds AS "supportResetCoolingOffSeconds", recovery_policy AS "recoveryPolicy", is_demo AS "isDemo", created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface NewApplication {
  id: string;
  clientId: string;
  secretKeyHash: Buffer;
  name: string;
  mode: AppMode;
  allowedOrigins: string[];
  rpId: string;
  rpName: string;
  recoveryUrl: string;
  mailFrom: string;
  locale: string;
  otpLength: number;
  supportResetCoolingOffSeconds: number;
  recoveryPolicy: RecoveryPolicy;
  isDemo: boolean;
}

/** What an update may change; an absent field keeps its value. */
export type ApplicationPatch = Partial<Omit<NewApplication, 'id' | 'clientId' | 'isDemo'>>;

@Injectable()
export class ApplicationRepository {
  constructor(private readonly db: Db) {}

  async insert(a: NewApplication, tx: SqlExecutor = this.db): Promise<Application> {
    const [app] = await tx.rows<Application>(
      `INSERT INTO applications (id, client_id, secret_key_hash, name, mode, allowed_origins, rp_id, rp_name, recovery_url, mail_from, locale, otp_length, support_reset_cooling_off_seconds, is_demo, recovery_policy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       RETURNING ${COLUMNS}`,
      [
        a.id,
        a.clientId,
        a.secretKeyHash,
        a.name,
        a.mode,
        a.allowedOrigins,
        a.rpId,
        a.rpName,
        a.recoveryUrl,
        a.mailFrom,
        a.locale,
        a.otpLength,
        a.supportResetCoolingOffSeconds,
        a.isDemo,
        a.recoveryPolicy,
      ],
    );
    return app;
  }

  /** Every column is NOT NULL, so a null parameter means "unchanged". */
  async update(id: string, p: ApplicationPatch, tx: SqlExecutor = this.db): Promise<Application | null> {
    const [app] = await tx.rows<Application>(
      `UPDATE applications SET
         secret_key_hash = COALESCE($2, secret_key_hash), name = COALESCE($3, name), mode = COALESCE($4, mode),
         allowed_origins = COALESCE($5, allowed_origins), rp_id = COALESCE($6, rp_id), rp_name = COALESCE($7, rp_name),
         recovery_url = COALESCE($8, recovery_url), mail_from = COALESCE($9, mail_from), locale = COALESCE($10, locale),
         otp_length = COALESCE($11, otp_length),
         support_reset_cooling_off_seconds = COALESCE($12, support_reset_cooling_off_seconds),
         recovery_policy = COALESCE($13, recovery_policy), updated_at = now()
       WHERE id = $1
       RETURNING ${COLUMNS}`,
      [
        id,
        p.secretKeyHash ?? null,
        p.name ?? null,
        p.mode ?? null,
        p.allowedOrigins ?? null,
        p.rpId ?? null,
        p.rpName ?? null,
        p.recoveryUrl ?? null,
        p.mailFrom ?? null,
        p.locale ?? null,
        p.otpLength ?? null,
        p.supportResetCoolingOffSeconds ?? null,
        p.recoveryPolicy ?? null,
      ],
    );
    return app ?? null;
  }

  list(): Promise<Application[]> {
    return this.db.rows<Application>(`SELECT ${COLUMNS} FROM applications ORDER BY created_at`);
  }

  async findById(id: string): Promise<Application | null> {
    return (await this.db.rows<Application>(`SELECT ${COLUMNS} FROM applications WHERE id = $1`, [id]))[0] ?? null;
  }

  async findByClientId(clientId: string): Promise<Application | null> {
    return (await this.db.rows<Application>(`SELECT ${COLUMNS} FROM applications WHERE client_id = $1`, [clientId]))[0] ?? null;
  }

  async findBySecretKeyHash(hash: Buffer): Promise<Application | null> {
    return (await this.db.rows<Application>(`SELECT ${COLUMNS} FROM applications WHERE secret_key_hash = $1`, [hash]))[0] ?? null;
  }

  async findDemo(): Promise<Application | null> {
    return (await this.db.rows<Application>(`SELECT ${COLUMNS} FROM applications WHERE is_demo ORDER BY created_at LIMIT 1`))[0] ?? null;
  }
}
