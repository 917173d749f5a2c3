import { Inject, Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { Db } from '../database/db';
import { CredentialsService } from '../passkeys/credentials.service';
import { toPublicCredential } from '../passkeys/passkey-credential.model';
import { TokenService } from '../sessions/token.service';
import { TokenClaims } from '../sessions/token.types';
import { RecoveryLinkRepository } from './recovery-link.repository';

@Injectable()
export class RecoveryService {
  constructor(
    private readonly db: Db,
    private readonly links: RecoveryLinkRepository,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** Turns a recovery link into a recovery token; the link is consumed by one conditional UPDATE. */
  async redeem(app: Application, token: string, meta: RequestMeta) {
    const hash = this.secrets.hashToken(token);
    return this.db.transaction(async (tx) => {
      const link = await this.links.consume(hash, app.id, tx);
      if (!link) return this.refuse(app, hash);
      const issued = await this.tokens.issue(app, { userId: link.userId, externalUserId: link.externalUserId, scope: 'recovery', amr: ['recovery_link'], ttlMs: this.config.recoveryTokenTtlMs }, tx);
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
      return { token: issued.token, tokenType: 'recovery', expiresAt: issued.expiresAt, user: { externalUserId: link.externalUserId } };
    });
  }

  async listCredentials(app: Application, claims: TokenClaims) {
    return { credentials: (await this.credentials.list(app.id, claims.uid)).map(toPublicCredential) };
  }

  private async refuse(app: Application, hash: Buffer): Promise<never> {
    const state = await this.links.state(hash, app.id);
    if (!state) throw new ApiError('invalid_token', 'This recovery link is not valid for this application.');
    const reason = state.used ? 'used' : state.superseded ? 'superseded' : 'expired';
    throw new ApiError('session_expired', `This recovery link is no longer valid (${reason}); ask support for a new one.`, { reason });
  }
}
