import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { normalizeEmail } from '../common/email';
import { SqlExecutor } from '../database/db';
import { User } from './user.model';
import { UserRepository } from './user.repository';

@Injectable()
export class UsersService {
  constructor(private readonly repo: UserRepository) {}

  upsert(appId: string, externalUserId: string, email: string, locale?: string): Promise<{ user: User; created: boolean }> {
    return this.repo.upsert({ appId, externalUserId, email: email.trim(), emailNormalized: normalizeEmail(email), locale: locale ?? null });
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
  byId(appId: string, id: string, tx?: SqlExecutor): Promise<User | null> {
    return this.repo.findById(appId, id, tx);
  }

  /**
   * The one account a typed address signs in to: the user whose stored address equals it after
   * trim, NFKC and lowercasing. When several users share the address, none (SPEC §9.1: an
   * ambiguous address behaves like an unknown one).
   */
  async findByEmail(appId: string, typed: string): Promise<User | null> {
    const found = await this.repo.findByEmail(appId, normalizeEmail(typed));
    return found.length === 1 ? found[0] : null;
  }

  /** Ends every session of the user: tokens issued before `at` (default now) are refused everywhere. */
  async revokeSessions(appId: string, userId: string, tx?: SqlExecutor, at = new Date()): Promise<Date> {
    await this.repo.revokeSessions(appId, userId, at, tx);
    return at;
  }

  setRecoveryLocked(appId: string, userId: string, locked: boolean, tx?: SqlExecutor): Promise<boolean> {
    return this.repo.setRecoveryLocked(appId, userId, locked, tx);
  }

  /** `null` when the user no longer exists. */
  sessionsValidAfter(appId: string, userId: string): Promise<{ sessionsValidAfter: Date | null } | null> {
    return this.repo.sessionsValidAfter(appId, userId);
  }
}
