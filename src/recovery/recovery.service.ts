import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { rows as sqlRows } from '../database/sql';
import { CredentialsService } from '../passkeys/credentials.service';
import { toPublicCredential } from '../passkeys/passkey-credential.model';
import { TokenService } from '../sessions/token.service';
import { TokenClaims } from '../sessions/token.types';

interface RedeemedRow {
  id: string;
  user_id: string;
  external_user_id: string;
}

@Injectable()
export class RecoveryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** Turns a recovery link into a recovery token; the link is consumed by one conditional UPDATE. */
  async redeem(app: Application, token: string, meta: RequestMeta) {
    const hash = this.secrets.hashToken(token);
    return this.db.transaction(async (m) => {
      const [link] = await sqlRows<RedeemedRow>(
        m,
        `UPDATE recovery_links l SET consumed_at = now()
         WHERE token_hash = $1 AND app_id = $2 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > now()
         RETURNING l.id, l.user_id, (SELECT u.external_user_id FROM users u WHERE u.id = l.user_id) AS external_user_id`,
        [hash, app.id],
      );
      if (!link) return this.refuse(app, hash);
      const issued = await this.tokens.issue(
        app,
        { userId: link.user_id, externalUserId: link.external_user_id, scope: 'recovery', amr: ['recovery_link'], ttlMs: this.config.recoveryTokenTtlMs },
        m,
      );
      await this.audit.record(
        {
          appId: app.id,
          userId: link.user_id,
          externalUserId: link.external_user_id,
          type: 'recovery.started',
          actor: 'end_user',
          meta,
          data: { method: 'recovery_link', recoveryId: link.id },
        },
        m,
      );
      return { token: issued.token, tokenType: 'recovery', expiresAt: issued.expiresAt, user: { externalUserId: link.external_user_id } };
    });
  }

  async listCredentials(app: Application, claims: TokenClaims) {
    return { credentials: (await this.credentials.list(app.id, claims.uid)).map(toPublicCredential) };
  }

  private async refuse(app: Application, hash: Buffer): Promise<never> {
    const rows: { used: boolean; superseded: boolean }[] = await this.db.query(
      `SELECT consumed_at IS NOT NULL AS used, superseded_at IS NOT NULL AS superseded FROM recovery_links WHERE token_hash = $1 AND app_id = $2`,
      [hash, app.id],
    );
    if (!rows[0]) throw new ApiError('invalid_token', 'This recovery link is not valid for this application.');
    const reason = rows[0].used ? 'used' : rows[0].superseded ? 'superseded' : 'expired';
    throw new ApiError('session_expired', `This recovery link is no longer valid (${reason}); ask support for a new one.`, { reason });
  }
}
