import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { canonicalEmail } from '../common/email';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly repo: Repository<User>) {}

  async upsert(appId: string, externalUserId: string, email: string, locale?: string): Promise<{ user: User; created: boolean }> {
    const rows: { id: string; created: boolean }[] = await this.repo.query(
      `INSERT INTO users (app_id, external_user_id, email, email_canonical, locale)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (app_id, external_user_id) DO UPDATE
         SET email = EXCLUDED.email, email_canonical = EXCLUDED.email_canonical,
             locale = COALESCE(EXCLUDED.locale, users.locale), updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [appId, externalUserId, email.trim(), canonicalEmail(email), locale ?? null],
    );
    const user = await this.repo.findOneByOrFail({ id: rows[0].id });
    return { user, created: rows[0].created };
  }

  async get(appId: string, externalUserId: string): Promise<User> {
    const user = await this.find(appId, externalUserId);
    if (!user) throw new ApiError('user_not_found', 'No user with that externalUserId in this application.');
    return user;
  }

  find(appId: string, externalUserId: string): Promise<User | null> {
    return this.repo.findOneBy({ appId, externalUserId });
  }
}
