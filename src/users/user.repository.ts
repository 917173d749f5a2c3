import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { User } from './user.model';

const COLUMNS = `id, app_id AS "appId", external_user_id AS "externalUserId", email, email_canonical AS "emailCanonical",
  locale, created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface UserInput {
  appId: string;
  externalUserId: string;
  email: string;
  emailCanonical: string;
  locale: string | null;
}

@Injectable()
export class UserRepository {
  constructor(private readonly db: Db) {}

  /** Creates the user or updates its email (and locale, when given); `created` tells which. */
  async upsert(u: UserInput): Promise<{ user: User; created: boolean }> {
    const [row] = await this.db.rows<User & { created: boolean }>(
      `INSERT INTO users (app_id, external_user_id, email, email_canonical, locale)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (app_id, external_user_id) DO UPDATE
         SET email = EXCLUDED.email, email_canonical = EXCLUDED.email_canonical,
             locale = COALESCE(EXCLUDED.locale, users.locale), updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [u.appId, u.externalUserId, u.email, u.emailCanonical, u.locale],
    );
    const { created, ...user } = row;
    return { user, created };
  }

  async findByExternalId(appId: string, externalUserId: string): Promise<User | null> {
    return (await this.db.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND external_user_id = $2`, [appId, externalUserId]))[0] ?? null;
  }

  async findById(appId: string, id: string): Promise<User | null> {
    return (await this.db.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND id = $2`, [appId, id]))[0] ?? null;
  }

  /** The oldest user of the app with this canonical email (several may share one). */
  async findFirstByEmail(appId: string, emailCanonical: string): Promise<User | null> {
    return (await this.db.rows<User>(`SELECT ${COLUMNS} FROM users WHERE app_id = $1 AND email_canonical = $2 ORDER BY created_at LIMIT 1`, [appId, emailCanonical]))[0] ?? null;
  }
}
