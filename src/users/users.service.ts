import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { canonicalEmail } from '../common/email';
import { User } from './user.model';
import { UserRepository } from './user.repository';

@Injectable()
export class UsersService {
  constructor(private readonly repo: UserRepository) {}

  upsert(appId: string, externalUserId: string, email: string, locale?: string): Promise<{ user: User; created: boolean }> {
    return this.repo.upsert({ appId, externalUserId, email: email.trim(), emailCanonical: canonicalEmail(email), locale: locale ?? null });
  }

  async get(appId: string, externalUserId: string): Promise<User> {
    const user = await this.find(appId, externalUserId);
    if (!user) throw new ApiError('user_not_found', 'No user with that externalUserId in this application.');
    return user;
  }

  find(appId: string, externalUserId: string): Promise<User | null> {
    return this.repo.findByExternalId(appId, externalUserId);
  }

  /** By internal id (token claims carry it as `uid`), within the app. */
  byId(appId: string, id: string): Promise<User | null> {
    return this.repo.findById(appId, id);
  }

  /** The account an email address (already canonical) signs in to: the oldest with that address. */
  findByEmail(appId: string, emailCanonical: string): Promise<User | null> {
    return this.repo.findFirstByEmail(appId, emailCanonical);
  }
}
