import { Inject, Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { Db, SqlExecutor } from '../database/db';
import { SecurityMailService } from '../mail/security-mail.service';
import { CredentialsService } from '../passkeys/credentials.service';
import { toPublicCredential } from '../passkeys/passkey-credential.model';
import { TokenService } from '../sessions/token.service';
import { TokenClaims } from '../sessions/token.types';
import { UsersService } from '../users/users.service';
import { RedeemedLink } from './recovery-link.model';
import { RecoveryLinkRepository } from './recovery-link.repository';

@Injectable()
export class RecoveryService {
  constructor(
    private readonly db: Db,
    private readonly links: RecoveryLinkRepository,
    private readonly credentials: CredentialsService,
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly mail: SecurityMailService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Turns a recovery link into a recovery token; the link is consumed by one conditional UPDATE.
   * A reset that had a cooling-off period takes effect here: the user's sessions end (the new
   * token is issued after that instant) and, if asked, every passkey is revoked.
   */
  async redeem(app: Application, token: string, meta: RequestMeta) {
    const hash = this.secrets.hashToken(token);
    const { result, mailIds } = await this.db.transaction(async (tx) => {
      const link = await this.links.consume(hash, app.id, tx);
      if (!link) return this.refuse(app, hash);
      const { notBefore, mailIds } = link.deferred ? await this.applyDeferred(tx, app, link, meta) : { notBefore: undefined, mailIds: [] };
      const issued = await this.tokens.issue(
        app,
        { userId: link.userId, externalUserId: link.externalUserId, scope: 'recovery', amr: ['recovery_link'], ttlMs: this.config.recoveryTokenTtlMs, notBefore },
        tx,
      );
      await this.audit.record(
        {
          appId: app.id,
          userId: link.userId,
          externalUserId: link.externalUserId,
          type: 'recovery.started',
          actor: 'end_user',
          meta,
          data: { method: 'recovery_link', recoveryId: link.id },
        },
        tx,
      );
      return { result: { token: issued.token, tokenType: 'recovery', expiresAt: issued.expiresAt, user: { externalUserId: link.externalUserId } }, mailIds };
    });
    await this.mail.dispatch(mailIds);
    return result;
  }

  async listCredentials(app: Application, claims: TokenClaims) {
    return { credentials: (await this.credentials.list(app.id, claims.uid)).map(toPublicCredential) };
  }

  /** What a cooled-off reset does at redemption; the revocation is announced like any other (with its report link). */
  private async applyDeferred(tx: SqlExecutor, app: Application, link: RedeemedLink, meta: RequestMeta): Promise<{ notBefore: Date; mailIds: string[] }> {
    const revoked = link.revokeOnRedeem ? await this.credentials.revoke(tx, app.id, link.userId, { allExcept: null }, 'support_reset') : [];
    const notBefore = await this.users.revokeSessions(app.id, link.userId, tx);
    const base = { appId: app.id, userId: link.userId, externalUserId: link.externalUserId, actor: 'end_user', meta };
    for (const credentialId of revoked) {
      await this.audit.record({ ...base, type: 'passkey.revoked', data: { credentialId, reason: 'support_reset', recoveryId: link.id } }, tx);
    }
    const user = revoked.length ? await this.users.byId(app.id, link.userId, tx) : null;
    const mailIds = user
      ? [await this.mail.write(tx, app, user, 'passkeys-revoked', { count: revoked.length }, { event: 'passkeys.revoked', data: { credentialIds: revoked, recoveryId: link.id } })]
      : [];
    return { notBefore, mailIds };
  }

  private async refuse(app: Application, hash: Buffer): Promise<never> {
    const state = await this.links.state(hash, app.id);
    if (!state) throw new ApiError('invalid_token', 'This recovery link is not valid for this application.');
    if (!state.used && !state.superseded && !state.cancelled && !state.expired) {
      throw new ApiError('recovery_pending', 'This support reset is still in its waiting period; the link works from availableAt.', { availableAt: state.availableAt.toISOString() });
    }
    // A reset cancelled by a "This wasn't me" report answers `superseded`: SPEC §2 lists no other reason.
    const reason = state.used ? 'used' : state.cancelled || state.superseded ? 'superseded' : 'expired';
    const why = state.cancelled ? 'cancelled after a security report' : reason;
    throw new ApiError('session_expired', `This recovery link is no longer valid (${why}); ask support for a new one.`, { reason });
  }
}
