import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Application } from '../applications/application.model';
import { formatCoolingOff, parseCoolingOff } from '../applications/cooling-off';
import { AuditService } from '../audit/audit.service';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db, SqlExecutor } from '../database/db';
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
   * Creates a single-use link (256 random bits, stored only as a keyed hash) that supersedes any
   * earlier one. The user always gets a support-reset notice at once, with a "This wasn't me" link
   * that cancels the reset; with delivery `email` the link goes to the stored address, with `link`
   * it is returned here and nowhere else. Without a cooling-off period the passkeys are revoked
   * (if asked) and the sessions end now; with one, both wait until the link is redeemed, so a
   * forged request cannot lock the real user out while it waits.
   */
  async start(app: Application, externalUserId: string, dto: SupportResetDto, meta: RequestMeta) {
    const user = await this.users.get(app.id, externalUserId);
    const coolingOffSeconds = dto.coolingOff !== undefined ? parseCoolingOff(dto.coolingOff)! : app.supportResetCoolingOffSeconds;
    const deferred = coolingOffSeconds > 0;
    const token = randomBytes(32).toString('base64url');
    const recoveryId = randomUUID();
    const link = recoveryLink(app, token);
    const actor = `support:${dto.actor}`;

    const { window, mailIds } = await this.db.transaction(async (tx) => {
      const revoked = !deferred && dto.revokeCredentials === 'all' ? await this.credentials.revoke(tx, app.id, user.id, { allExcept: null }, 'support_reset') : [];
      if (!deferred) await this.users.revokeSessions(app.id, user.id, tx);
      await this.links.supersedeLive(app.id, user.id, tx);
      const window = await this.links.insert(
        {
          id: recoveryId,
          appId: app.id,
          userId: user.id,
          tokenHash: this.secrets.hashToken(token),
          actor: dto.actor,
          reason: dto.reason,
          delivery: dto.delivery,
          revokedCount: revoked.length,
          coolingOffSeconds,
          ttlMs: this.config.recoveryLinkTtlMs,
          revokeOnRedeem: deferred && dto.revokeCredentials === 'all',
        },
        tx,
      );
      const base = { appId: app.id, userId: user.id, externalUserId: user.externalUserId, actor, meta };
      await this.audit.record(
        {
          ...base,
          type: 'recovery.support_reset',
          data: {
            recoveryId,
            reason: dto.reason,
            revokeCredentials: dto.revokeCredentials,
            delivery: dto.delivery,
            revokedCount: revoked.length,
            coolingOff: formatCoolingOff(coolingOffSeconds),
            availableAt: window.availableAt.toISOString(),
          },
        },
        tx,
      );
      for (const credentialId of revoked) {
        await this.audit.record({ ...base, type: 'passkey.revoked', data: { credentialId, reason: 'support_reset', recoveryId } }, tx);
      }
      const ids = [await this.mail.write(tx, app, user, 'support-reset', {}, { event: 'support_reset.created', data: { recoveryId } })];
      if (dto.delivery === 'email') {
        const expiresHours = Math.round((window.expiresAt.getTime() - Date.now()) / 3_600_000);
        ids.push(await this.mail.send(tx, app, user, 'recovery-link', { link, expiresHours }));
      }
      return { window, mailIds: ids };
    });
    await this.mail.dispatch(mailIds);
    return {
      recoveryId,
      availableAt: window.availableAt.toISOString(),
      expiresAt: window.expiresAt.toISOString(),
      ...(dto.delivery === 'link' ? { link } : {}),
    };
  }

  /** Cancels the user's pending support resets (a security report); returns their recovery ids. */
  cancelPending(tx: SqlExecutor, appId: string, userId: string): Promise<string[]> {
    return this.links.cancelPending(appId, userId, tx);
  }
}
