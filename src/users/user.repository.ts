import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { User } from './user.model';

const COLUMNS = `id, app_id AS "appId", external_user_id AS "externalUserId", email, email_normalized AS "emailNormalized",
  locale, recovery_locked AS "recoveryLocked", sessions_valid_after AS "sessionsValidAfter", created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface UserInput {
  appId: string;
  externalUserId: string;
  email: string;
  emailNormalized: string;
  locale: string | null;
}

@Injectable()
export class UserRepository {
  constructor(private readonly db: Db) {}

  /** Creates the user or updates its email (and locale, when given); `created` tells which. */
  async upsert(u: UserInput): Promise<{ user: User; created: boolean }> {
    const [row] = await this.db.rows<User & { created: boolean }>(
      `INSERT INTO users (app_id, external_user_id, email, email_normalized, locale)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (app_id, external_user_id) DO UPDATE
         SET email = EXCLUDED.email, email_normalized = EXCLUDED.email_normalized,
             locale = COALESCE(EXCLUDED.locale, users.locale), updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [u.appId, u.externalUserId, u.email, u.emailNormalized, u.locale],
    );
    const { created, ...user } = row;
    return { user, created };
  }

  async findByExternalId(appId: string, externalUserId: string): Promise<User | null> {
    return (await this.db.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND external_user_id = $2`, [appId, externalUserId]))[0] ?? null;
  }

  async findById(appId: string, id: string, tx: SqlExecutor = this.db): Promise<User | null> {
    return (await tx.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND id = $2`, [appId, id]))[0] ?? null;
  }

  /** Up to two users of the app with this normalized address: two means the address is ambiguous. */
  findByEmail(appId: string, emailNormalized: string): Promise<User[]> {
    return this.db.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND email_normalized = $2 LIMIT 2`, [appId, emailNormalized]);
  }

  /** Every token of the user issued before `at` is refused from now on (the instant never moves back). */
  async revokeSessions(appId: string, id: string, at: Date, tx: SqlExecutor = this.db): Promise<boolean> {
    const sql = `UPDATE users SET sessions_valid_after = GREATEST(sessions_valid_after, $3), updated_at = now() WHERE app_id = $1 AND id = $2`;
    return (await tx.count(sql, [appId, id, at])) === 1;
  }

  async setRecoveryLocked(appId: string, id: string, locked: boolean, tx: SqlExecutor = this.db): Promise<boolean> {
    return (await tx.count(`UPDATE users SET recovery_locked = $3, updated_at = now() WHERE app_id = $1 AND id = $2`, [appId, id, locked])) === 1;
  }

  /** The instant before which the user's tokens are refused (null: none is), for token checks. */
  async sessionsValidAfter(appId: string, id: string): Promise<{ sessionsValidAfter: Date | null } | null> {
    const [row] = await this.db.rows<{ sessionsValidAfter: Date | null }>(`SELECT sessions_valid_after AS "sessionsValidAfter" FROM users WHERE app_id = $1 AND id = $2`, [appId, id]);
    return row ?? null;
  }
}
