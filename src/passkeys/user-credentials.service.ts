import { Inject, Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db } from '../database/db';
import { SecurityMailService } from '../mail/security-mail.service';
import { TokenService } from '../sessions/token.service';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { CredentialsService } from './credentials.service';
import { toPublicCredential } from './passkey-credential.model';

/** What the app backend (secret key) does with a user's passkeys: enrollment tokens and revocation. */
@Injectable()
export class UserCredentialsService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly mail: SecurityMailService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async enroll(app: Application, externalUserId: string, meta: RequestMeta) {
    return this.enrollmentFor(app, await this.users.get(app.id, externalUserId), meta, 'app_backend');
  }

  /** A short-lived, single-use token to register a first passkey (also used by the demo sign-up). */
  async enrollmentFor(app: Application, user: Pick<User, 'id' | 'externalUserId'>, meta: RequestMeta, actor: string) {
    const issued = await this.tokens.issue(app, {
      userId: user.id,
      externalUserId: user.externalUserId,
      scope: 'enrollment',
      amr: ['app_backend'],
      ttlMs: this.config.enrollmentTokenTtlMs,
    });
    await this.audit.record({ appId: app.id, userId: user.id, externalUserId: user.externalUserId, type: 'enrollment.started', actor, meta, data: { jti: issued.claims.jti } });
    return { token: issued.token, tokenType: 'enrollment' as const, expiresAt: issued.expiresAt };
  }

  async revoke(app: Application, externalUserId: string, credentialId: string, meta: RequestMeta) {
    const user = await this.users.get(app.id, externalUserId);
    const mailId = await this.db.transaction(async (tx) => {
      const revoked = await this.credentials.revoke(tx, app.id, user.id, { ids: [credentialId] }, 'app_backend');
      if (!revoked.length) throw new ApiError('credential_not_found', 'This passkey was already revoked.', { credentialId });
      await this.audit.record({ appId: app.id, userId: user.id, externalUserId, type: 'passkey.revoked', actor: 'app_backend', meta, data: { credentialId, reason: 'app_backend' } }, tx);
      return this.mail.write(tx, app, user, 'passkeys-revoked', { count: 1 }, { event: 'passkeys.revoked', data: { credentialIds: [credentialId] } });
    });
    await this.mail.dispatch([mailId]);
    const credential = await this.credentials.find(app.id, credentialId);
    return toPublicCredential(credential!);
  }
}
