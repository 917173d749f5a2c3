import { Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { RequestMeta } from '../common/request';
import { FailureBudgetService, userSubject } from '../rate-limit/failure-budget.service';
import { AccountActionDto, PutUserDto } from './dto/user.dto';
import { toPublicUser, User } from './user.model';
import { UsersService } from './users.service';

/** What the app backend does to an account with its secret key; each change is audited. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly budget: FailureBudgetService,
    private readonly audit: AuditService,
  ) {}

  async put(app: Application, externalUserId: string, dto: PutUserDto, meta: RequestMeta) {
    const { user, created } = await this.users.upsert(app.id, externalUserId, dto.email, dto.locale);
    await this.audit.record({ ...this.base(app, user, 'app_backend', meta), type: created ? 'user.created' : 'user.updated' });
    return toPublicUser(user);
  }

  get(app: Application, externalUserId: string): Promise<User> {
    return this.users.get(app.id, externalUserId);
  }

  /** Also for a user who is not locked: the answer is the same, and the failure budget is reset either way. */
  async unlock(app: Application, externalUserId: string, dto: AccountActionDto, meta: RequestMeta) {
    const user = await this.users.get(app.id, externalUserId);
    await this.budget.clear(app.id, userSubject(user.id));
    await this.users.setRecoveryLocked(app.id, user.id, false);
    await this.audit.record({ ...this.base(app, user, `app_backend:${dto.actor}`, meta), type: 'user.unlocked', data: { reason: dto.reason, wasLocked: user.recoveryLocked } });
    return { externalUserId: user.externalUserId, recoveryLocked: false };
  }

  async revokeSessions(app: Application, externalUserId: string, dto: AccountActionDto, meta: RequestMeta) {
    const user = await this.users.get(app.id, externalUserId);
    const at = await this.users.revokeSessions(app.id, user.id);
    await this.audit.record({ ...this.base(app, user, `app_backend:${dto.actor}`, meta), type: 'sessions.revoked', data: { reason: dto.reason } });
    return { externalUserId: user.externalUserId, sessionsValidAfter: at.toISOString() };
  }

  private base(app: Application, user: User, actor: string, meta: RequestMeta) {
    return { appId: app.id, userId: user.id, externalUserId: user.externalUserId, actor, meta };
  }
}
