import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { TotpEnrollment, TotpEnrollmentState, TotpFactor } from './second-factor.model';

const FACTOR = `user_id AS "userId", app_id AS "appId", secret_enc AS "secretEnc", last_time_step::float8 AS "lastTimeStep",
  created_at AS "createdAt", last_used_at AS "lastUsedAt"`;

/** `totp_enrollments` (pending) and `totp_factors` (one authenticator per user). */
@Injectable()
export class TotpRepository {
  constructor(private readonly db: Db) {}

  async insertEnrollment(e: { id: string; appId: string; userId: string; secretEnc: Buffer; expiresAt: Date }): Promise<void> {
    await this.db.count(`INSERT INTO totp_enrollments (id, app_id, user_id, secret_enc, expires_at) VALUES ($1, $2, $3, $4, $5)`, [e.id, e.appId, e.userId, e.secretEnc, e.expiresAt]);
  }

  /** Counts an attempt on a live enrollment of this user (before the code is compared); null when it takes none. */
  async countEnrollmentAttempt(id: string, appId: string, userId: string, maxAttempts: number): Promise<TotpEnrollment | null> {
    const rows = await this.db.rows<TotpEnrollment>(
      `UPDATE totp_enrollments SET attempts = attempts + 1
       WHERE id = $1 AND app_id = $2 AND user_id = $3 AND finished_at IS NULL AND expires_at > now() AND attempts < $4
       RETURNING id, app_id AS "appId", user_id AS "userId", secret_enc AS "secretEnc", attempts, expires_at AS "expiresAt"`,
      [id, appId, userId, maxAttempts],
    );
    return rows[0] ?? null;
  }

  async enrollmentState(id: string, appId: string, userId: string): Promise<TotpEnrollmentState | null> {
    const rows = await this.db.rows<TotpEnrollmentState>(
      `SELECT finished_at IS NOT NULL AS finished, expires_at <= now() AS expired, attempts
       FROM totp_enrollments WHERE id = $1 AND app_id = $2 AND user_id = $3`,
      [id, appId, userId],
    );
    return rows[0] ?? null;
  }

  /** Finishes an enrollment once; false when another request finished it first. */
  async finishEnrollment(id: string, tx: SqlExecutor = this.db): Promise<boolean> {
    return (await tx.count(`UPDATE totp_enrollments SET finished_at = now() WHERE id = $1 AND finished_at IS NULL`, [id])) === 1;
  }

  /** Stores the user's authenticator (and the enrollment it came from), replacing any earlier one; true when it replaced one. */
  async upsertFactor(f: { userId: string; appId: string; enrollmentId: string; secretEnc: Buffer; lastTimeStep: number }, tx: SqlExecutor = this.db): Promise<boolean> {
    const [row] = await tx.rows<{ replaced: boolean }>(
      `INSERT INTO totp_factors (user_id, app_id, enrollment_id, secret_enc, last_time_step) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id) DO UPDATE SET enrollment_id = EXCLUDED.enrollment_id, secret_enc = EXCLUDED.secret_enc,
         last_time_step = EXCLUDED.last_time_step, created_at = now(), last_used_at = NULL
       RETURNING (xmax <> 0) AS replaced`,
      [f.userId, f.appId, f.enrollmentId, f.secretEnc, f.lastTimeStep],
    );
    return row.replaced;
  }

  async findFactor(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<TotpFactor | null> {
    return (await tx.rows<TotpFactor>(`SELECT ${FACTOR} FROM totp_factors WHERE app_id = $1 AND user_id = $2`, [appId, userId]))[0] ?? null;
  }

  /** Accepts time step `step` once: one conditional UPDATE, so two requests with one code cannot both pass. */
  async acceptStep(appId: string, userId: string, step: number, tx: SqlExecutor = this.db): Promise<boolean> {
    const n = await tx.count(`UPDATE totp_factors SET last_time_step = $3, last_used_at = now() WHERE app_id = $1 AND user_id = $2 AND last_time_step < $3`, [appId, userId, step]);
    return n === 1;
  }

  async deleteFactor(appId: string, userId: string, tx: SqlExecutor = this.db): Promise<boolean> {
    return (await tx.count(`DELETE FROM totp_factors WHERE app_id = $1 AND user_id = $2`, [appId, userId])) === 1;
  }

  /** Removes the user's authenticator only if it is still the one `enrollmentId` added; true when it did. */
  async deleteFactorFrom(appId: string, userId: string, enrollmentId: string, tx: SqlExecutor): Promise<boolean> {
    return (await tx.count(`DELETE FROM totp_factors WHERE app_id = $1 AND user_id = $2 AND enrollment_id = $3`, [appId, userId, enrollmentId])) === 1;
  }

  purgeExpiredEnrollments(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM totp_enrollments WHERE ctid IN (SELECT ctid FROM totp_enrollments WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
