import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { Db, SqlExecutor } from '../database/db';
import { SecurityMailService } from '../mail/security-mail.service';
import { ReportEventData } from '../security/security-report.model';
import { TokenClaims } from '../sessions/token.types';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes';
import { SecondFactorStatus } from './second-factor.model';
import { newTotpSecret, otpauthUrl, totpStep } from './totp';
import { TotpRepository } from './totp.repository';

/**
 * The user's second factor (SPEC §9.4): an authenticator app (TOTP, secret encrypted at rest, each
 * time step accepted once) and ten single-use recovery codes (keyed hashes only). Managing them
 * takes a passkey session (the controller's guard); every change is announced by a security mail
 * with its "This wasn't me" link, written in the transaction of the change.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly db: Db,
    private readonly totp: TotpRepository,
    private readonly codes: RecoveryCodeRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly mail: SecurityMailService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Whether an email-proven recovery of this user still owes a second factor: the application's
   * policy asks for one and the user has one (an authenticator app or an unused recovery code).
   */
  async required(app: Application, userId: string): Promise<boolean> {
    if (app.recoveryPolicy !== 'email+second_factor') return false;
    const [factor, codes] = await Promise.all([this.totp.findFactor(app.id, userId), this.codes.remaining(app.id, userId)]);
    return factor !== null || codes.remaining > 0;
  }

  async status(appId: string, userId: string): Promise<SecondFactorStatus> {
    const [factor, codes] = await Promise.all([this.totp.findFactor(appId, userId), this.codes.remaining(appId, userId)]);
    return { totp: factor && { createdAt: factor.createdAt, lastUsedAt: factor.lastUsedAt }, recoveryCodes: codes };
  }

  async startTotp(app: Application, claims: TokenClaims) {
    const user = await this.user(app, claims);
    const secret = newTotpSecret();
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.otpTtlMs);
    await this.totp.insertEnrollment({ id, appId: app.id, userId: user.id, secretEnc: this.secrets.encrypt(secret), expiresAt });
    return { enrollmentId: id, secret, otpauthUrl: otpauthUrl(app.name, user.email, secret), expiresAt: expiresAt.toISOString() };
  }

  /** The first code proves the app holds the secret; its time step is the first one used, so it cannot be replayed later. */
  async finishTotp(app: Application, claims: TokenClaims, enrollmentId: string, code: string, meta: RequestMeta) {
    const max = this.config.otpMaxAttempts;
    const enrollment = await this.totp.countEnrollmentAttempt(enrollmentId, app.id, claims.uid, max);
    if (!enrollment) return this.refuseEnrollment(app, claims, enrollmentId);
    const secret = this.secrets.decrypt(enrollment.secretEnc);
    const step = await totpStep(secret, code);
    if (step === null) throw new ApiError('invalid_code', 'That code is not right; enter the code the app shows now.', { attemptsRemaining: Math.max(0, max - enrollment.attempts) });

    const user = await this.user(app, claims);
    const { replaced, mailId } = await this.db.transaction(async (tx) => {
      if (!(await this.totp.finishEnrollment(enrollment.id, tx))) throw new ApiError('session_expired', 'This enrollment was already finished.', { reason: 'used' });
      const replaced = await this.totp.upsertFactor({ userId: user.id, appId: app.id, enrollmentId: enrollment.id, secretEnc: enrollment.secretEnc, lastTimeStep: step }, tx);
      await this.record(tx, app, user, meta, 'second_factor.added', { factor: 'totp', replaced });
      const mailId = await this.mail.write(tx, app, user, 'second-factor-changed', changed({ totpAdded: true, replaced }), {
        event: 'second_factor.added',
        data: { factor: 'totp', enrollmentId: enrollment.id },
      });
      return { replaced, mailId };
    });
    await this.mail.dispatch([mailId]);
    return { factor: 'totp' as const, replaced };
  }

  /** Removes the authenticator app; recovery codes stay. */
  async deleteTotp(app: Application, claims: TokenClaims, meta: RequestMeta) {
    const user = await this.user(app, claims);
    const mailId = await this.db.transaction(async (tx) => {
      if (!(await this.totp.deleteFactor(app.id, user.id, tx))) throw new ApiError('not_found', 'This account has no authenticator app.');
      await this.record(tx, app, user, meta, 'second_factor.removed', { factor: 'totp' });
      return this.mail.write(tx, app, user, 'second-factor-changed', changed({ totpRemoved: true }), { event: 'second_factor.removed', data: { factor: 'totp' } });
    });
    await this.mail.dispatch([mailId]);
    return { removed: 'totp' as const, recoveryCodes: await this.codes.remaining(app.id, user.id) };
  }

  /** Ten new codes, shown this once; the previous set (used or not) stops working. */
  async regenerateCodes(app: Application, claims: TokenClaims, meta: RequestMeta) {
    const user = await this.user(app, claims);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const rows = codes.map((c) => ({ id: randomUUID(), hash: this.codeHash(user.id, c) }));
    const setId = randomUUID();
    const mailId = await this.db.transaction(async (tx) => {
      const replaced = (await this.codes.replace(app.id, user.id, setId, rows, tx)) > 0;
      const event = replaced ? 'second_factor.regenerated' : 'second_factor.added';
      await this.record(tx, app, user, meta, event, { factor: 'recovery_codes', count: codes.length });
      return this.mail.write(tx, app, user, 'second-factor-changed', changed({ codesCreated: true, replaced }), { event, data: { factor: 'recovery_codes', setId } });
    });
    await this.mail.dispatch([mailId]);
    return { codes };
  }

  /**
   * A "This wasn't me" report on an event that added a second factor (an authenticator app, or a
   * set of recovery codes, first or regenerated) removes that factor, in the report's transaction,
   * if it is still the user's: a newer authenticator or set the user made since stays. Returns
   * what it removed. A report on a removal or a use removes nothing (nothing is restored).
   */
  async undoReported(tx: SqlExecutor, appId: string, userId: string, report: { event: string; data: ReportEventData }): Promise<('totp' | 'recovery_codes')[]> {
    if (report.event !== 'second_factor.added' && report.event !== 'second_factor.regenerated') return [];
    const { factor, enrollmentId, setId } = report.data;
    if (factor === 'totp' && enrollmentId && (await this.totp.deleteFactorFrom(appId, userId, enrollmentId, tx))) return ['totp'];
    if (factor === 'recovery_codes' && setId && (await this.codes.deleteSet(appId, userId, setId, tx)) > 0) return ['recovery_codes'];
    return [];
  }

  /** The only stored form of a recovery code: keyed hash of the user and the normalized code. */
  codeHash(userId: string, typed: string): Buffer {
    return this.secrets.hashToken(`recovery-code\u0000${userId}\u0000${normalizeRecoveryCode(typed)}`);
  }

  private async user(app: Application, claims: TokenClaims): Promise<User> {
    const user = await this.users.byId(app.id, claims.uid);
    if (!user) throw new ApiError('invalid_token', 'The user of this token no longer exists.');
    return user;
  }

  private record(tx: SqlExecutor, app: Application, user: User, meta: RequestMeta, type: string, data: Record<string, unknown>): Promise<void> {
    return this.audit.record({ appId: app.id, userId: user.id, externalUserId: user.externalUserId, type, actor: 'end_user', meta, data }, tx);
  }

  private async refuseEnrollment(app: Application, claims: TokenClaims, enrollmentId: string): Promise<never> {
    const state = await this.totp.enrollmentState(enrollmentId, app.id, claims.uid);
    if (!state) throw new ApiError('not_found', 'No such enrollment for this user; start a new one.');
    if (state.finished) throw new ApiError('session_expired', 'This enrollment was already finished.', { reason: 'used' });
    if (state.expired) throw new ApiError('session_expired', 'This enrollment has expired; start a new one.', { reason: 'expired' });
    throw new ApiError('too_many_attempts', 'Too many wrong codes for this enrollment; start a new one.');
  }
}

/** The template's switches; strict templates need every one present. */
function changed(c: { totpAdded?: boolean; totpRemoved?: boolean; codesCreated?: boolean; replaced?: boolean }) {
  return { totpAdded: false, totpRemoved: false, codesCreated: false, replaced: false, ...c };
}
