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
import { FailureBudgetService, userSubject } from '../rate-limit/failure-budget.service';
import { TokenService } from '../sessions/token.service';
import { TokenClaims } from '../sessions/token.types';
import { UsersService } from '../users/users.service';
import { SecondFactorAnswerDto } from './dto/second-factor.dto';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { SecondFactorMethod } from './second-factor.model';
import { SecondFactorAttemptRepository } from './second-factor-attempt.repository';
import { SecondFactorService } from './second-factor.service';
import { totpStep } from './totp';
import { TotpRepository } from './totp.repository';

/**
 * `POST /v1/recovery/second-factor` (SPEC §9.4): a `recovery_pending` token plus the user's
 * authenticator code or one recovery code → the recovery token. Each answer is counted against
 * the pending token before it is compared (5, then the token is dead) and each wrong one against
 * the user's daily failure budget, which wrong email codes share. A replayed time step or a used
 * recovery code is a wrong answer. The factor, the pending token and the new token change in one
 * transaction, so a code or step is never spent without a recovery token, nor twice.
 */
@Injectable()
export class SecondFactorRecoveryService {
  constructor(
    private readonly db: Db,
    private readonly attempts: SecondFactorAttemptRepository,
    private readonly totp: TotpRepository,
    private readonly codes: RecoveryCodeRepository,
    private readonly factors: SecondFactorService,
    private readonly budget: FailureBudgetService,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly mail: SecurityMailService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(app: Application, claims: TokenClaims, dto: SecondFactorAnswerDto, meta: RequestMeta) {
    const method = methodOf(dto);
    const subject = userSubject(claims.uid);
    if (await this.budget.exhausted(app.id, subject)) throw lockedOut();
    const max = this.config.otpMaxAttempts;
    const attempts = await this.attempts.count(claims.jti, app.id, claims.uid, new Date(claims.exp * 1000));
    if (attempts > max) throw new ApiError('too_many_attempts', 'Too many wrong answers for this recovery; start it again from the email code.');

    const user = await this.users.byId(app.id, claims.uid);
    if (!user) throw new ApiError('invalid_token', 'The user of this token no longer exists.');
    const done = await this.db.transaction(async (tx) => {
      const codesLeft = await this.check(tx, app, claims.uid, method, dto);
      if (codesLeft === false) return null;
      if (!(await this.tokens.spend(claims, tx))) throw new ApiError('session_expired', 'This recovery already went on with its second factor.', { reason: 'used' });
      const issued = await this.tokens.issue(app, { userId: user.id, externalUserId: user.externalUserId, scope: 'recovery', amr: [...claims.amr, method], ttlMs: this.config.recoveryTokenTtlMs }, tx);
      const base = { appId: app.id, userId: user.id, externalUserId: user.externalUserId, actor: 'end_user', meta };
      await this.audit.record({ ...base, type: 'recovery.second_factor_verified', data: { method, ...(codesLeft !== null ? { recoveryCodesRemaining: codesLeft } : {}) } }, tx);
      const factor = method === 'totp' ? 'totp' : 'recovery_codes';
      const mailId = await this.mail.write(
        tx,
        app,
        user,
        'second-factor-used',
        { totp: method === 'totp', recoveryCode: method === 'recovery_code', codesRemaining: codesLeft ?? 0 },
        { event: 'second_factor.used', data: { factor } },
      );
      return { issued, mailId };
    });
    if (!done) return this.fail(app, claims, method, attempts, meta);
    await this.mail.dispatch([done.mailId]);
    return { token: done.issued.token, tokenType: 'recovery', expiresAt: done.issued.expiresAt, user: { externalUserId: user.externalUserId } };
  }

  /** Spends the answer if it is right: false when wrong; for a recovery code, the codes left (null for TOTP). */
  private async check(tx: SqlExecutor, app: Application, userId: string, method: SecondFactorMethod, dto: SecondFactorAnswerDto): Promise<number | null | false> {
    if (method === 'recovery_code') {
      if (!(await this.codes.consume(app.id, userId, this.factors.codeHash(userId, dto.recoveryCode!), tx))) return false;
      return (await this.codes.remaining(app.id, userId, tx)).remaining;
    }
    const factor = await this.totp.findFactor(app.id, userId, tx);
    if (!factor) return false;
    const step = await totpStep(this.secrets.decrypt(factor.secretEnc), dto.totp!, factor.lastTimeStep);
    return step !== null && (await this.totp.acceptStep(app.id, userId, step, tx)) ? null : false;
  }

  private async fail(app: Application, claims: TokenClaims, method: SecondFactorMethod, attempts: number, meta: RequestMeta): Promise<never> {
    const attemptsRemaining = Math.max(0, this.config.otpMaxAttempts - attempts);
    const overBudget = await this.budget.recordFailure(
      app.id,
      userSubject(claims.uid),
      this.audit.row({
        appId: app.id,
        userId: claims.uid,
        externalUserId: claims.sub,
        type: 'recovery.second_factor_failed',
        actor: 'end_user',
        meta,
        data: { method, attemptsRemaining },
      }),
    );
    if (overBudget) throw lockedOut();
    throw new ApiError('invalid_code', method === 'totp' ? 'That authenticator code is not right (or was already used).' : 'That recovery code is not right (or was already used).', {
      attemptsRemaining,
    });
  }
}

function methodOf(dto: SecondFactorAnswerDto): SecondFactorMethod {
  if ((dto.totp === undefined) === (dto.recoveryCode === undefined)) {
    const problem = 'give exactly one of totp or recoveryCode';
    throw new ApiError('invalid_request', 'Give either totp or recoveryCode.', {
      details: [
        { field: 'totp', problem },
        { field: 'recoveryCode', problem },
      ],
    });
  }
  return dto.totp !== undefined ? 'totp' : 'recovery_code';
}

const lockedOut = () => new ApiError('too_many_attempts', 'Too many failed codes for this account today; sign in with a passkey or try again tomorrow.');
