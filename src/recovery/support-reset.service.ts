import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db } from '../database/db';
import { SecurityMailService } from '../mail/security-mail.service';
import { Secrets } from '../config/secrets';
import { CredentialsService } from '../passkeys/credentials.service';
import { UsersService } from '../users/users.service';
import { SupportResetDto } from './dto/recovery.dto';
import { RecoveryLinkRepository } from './recovery-link.repository';

/** The link a support reset hands out; built only from the application's configured recoveryUrl. */
export function recoveryLink(app: Application, token: string): string {
  const url = new URL(app.recoveryUrl);
  url.hash = '';
  return `${url.toString()}#token=${token}`;
}

@Injectable()
export class SupportResetService {
  constructor(
    private readonly db: Db,
    private readonly links: RecoveryLinkRepository,
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly mail: SecurityMailService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Revokes as asked and creates a single-use link (256 random bits, stored only as a keyed hash)
   * that supersedes any earlier one. The user always gets a support-reset notice; with delivery
   * `email` the link goes to the stored address, with `link` it is returned here and nowhere else.
   */
  async start(app: Application, externalUserId: string, dto: SupportResetDto, meta: RequestMeta) {
    const user = await this.users.get(app.id, externalUserId);
    const token = randomBytes(32).toString('base64url');
    const recoveryId = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.recoveryLinkTtlMs);
    const link = recoveryLink(app, token);
    const actor = `support:${dto.actor}`;

    const mailIds = await this.db.transaction(async (tx) => {
      const revoked = dto.revokeCredentials === 'all' ? await this.credentials.revoke(tx, app.id, user.id, { allExcept: null }, 'support_reset') : [];
      await this.links.supersedeLive(app.id, user.id, tx);
      await this.links.insert(
        {
          id: recoveryId,
          appId: app.id,
          userId: user.id,
          tokenHash: this.secrets.hashToken(token),
          actor: dto.actor,
          reason: dto.reason,
          delivery: dto.delivery,
          revokedCount: revoked.length,
          expiresAt,
        },
        tx,
      );
      const base = { appId: app.id, userId: user.id, externalUserId: user.externalUserId, actor, meta };
      await this.audit.record(
        { ...base, type: 'recovery.support_reset', data: { recoveryId, reason: dto.reason, revokeCredentials: dto.revokeCredentials, delivery: dto.delivery, revokedCount: revoked.length } },
        tx,
      );
      for (const credentialId of revoked) {
        await this.audit.record({ ...base, type: 'passkey.revoked', data: { credentialId, reason: 'support_reset', recoveryId } }, tx);
      }
      const ids = [await this.mail.write(tx, app, user, 'support-reset', {})];
      if (dto.delivery === 'email') {
        ids.push(await this.mail.write(tx, app, user, 'recovery-link', { link, expiresHours: Math.round(this.config.recoveryLinkTtlMs / 3_600_000) }));
      }
      return ids;
    });
    await this.mail.dispatch(mailIds);
    return { recoveryId, expiresAt: expiresAt.toISOString(), ...(dto.delivery === 'link' ? { link } : {}) };
  }
}
