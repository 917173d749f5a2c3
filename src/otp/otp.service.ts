import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { safeEqual, Secrets } from '../config/secrets';
import { ApiError } from '../common/api-error';
import { canonicalEmail, normalizeEmail } from '../common/email';
import { localeFromAcceptLanguage } from '../common/accept-language';
import { pickLocale, supportedLocale } from '../common/locales';
import { RequestMeta } from '../common/request';
import { MailProducer } from '../mail/mail.producer';
import { MetricsService } from '../metrics/metrics.service';
import { FailureBudgetService } from '../rate-limit/failure-budget.service';
import { LimitHeaders, OtpLimitsService } from '../rate-limit/otp-limits.service';
import { SecondFactorService } from '../second-factor/second-factor.service';
import { TokenService } from '../sessions/token.service';
import { TokenScope } from '../sessions/token.types';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { Purpose, StartOtpDto, VerifyOtpDto } from './dto/otp.dto';
import { ChallengeAttempt, Outcome } from './otp-challenge.model';
import { OtpChallengeRepository } from './otp-challenge.repository';
import { generateCode } from './otp-code';

/** A start's audit event, by what the statement found. */
const START_AUDIT_TYPES: Record<Outcome, string> = {
  sent: 'otp.sent',
  unknown_account: 'otp.start_unknown_account',
  recovery_locked: 'otp.refused_recovery_locked',
  budget_spent: 'otp.refused_locked',
};

export interface StartResult {
  body: { challengeId: string; expiresAt: string; codeLength: number; purpose: Purpose };
  headers: LimitHeaders;
}

@Injectable()
export class OtpService {
  constructor(
    private readonly challenges: OtpChallengeRepository,
    private readonly users: UsersService,
    private readonly limits: OtpLimitsService,
    private readonly budget: FailureBudgetService,
    private readonly mail: MailProducer,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
    private readonly metrics: MetricsService,
    private readonly secondFactor: SecondFactorService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Known and unknown accounts take the same path: the same limits, hashing and statement, and
   * the same answer. The statement itself looks up the account and decides: only a known,
   * unlocked user within its failure budget gets an outbox row (and so a mail), always to its
   * stored address. The enqueue happens after the answer (the outbox relay guarantees delivery),
   * so the answer's timing does not depend on it.
   *
   * The answer, a refusal included, takes at least `OTP_START_MIN_MS` from here: what is left of
   * the difference between a known account's statement (its outbox row, the checks on its user
   * row) and an unknown one's is hidden whenever both finish within that floor.
   */
  async start(app: Application, dto: StartOtpDto, meta: RequestMeta): Promise<StartResult> {
    const began = performance.now();
    const floor = async () => {
      // No timer at all once the floor has passed (a loaded service): it would add a turn of the event loop.
      const left = this.config.otpStartMinMs - (performance.now() - began);
      if (left > 0) await sleep(left);
    };
    const { result, mailId, purpose } = await this.challenge(app, dto, meta).finally(floor);
    if (mailId) {
      void this.mail.dispatch([mailId]);
      this.metrics.otpSent.inc({ purpose });
    }
    this.metrics.otpStarted.inc({ purpose });
    return result;
  }

  /** The start's work: the send limits, then the one statement; `mailId` is set when a mail is to be sent. */
  private async challenge(app: Application, dto: StartOtpDto, meta: RequestMeta): Promise<{ result: StartResult; mailId: string | null; purpose: Purpose }> {
    const purpose: Purpose = dto.purpose ?? 'login';
    const email = normalizeEmail(dto.email);
    const externalUserId = dto.externalUserId ?? null;
    // The per-user send limit is keyed on the identity the caller named (externalUserId, else the
    // typed address) whether or not it matches an account, so a 429 or X-RateLimit-Remaining
    // tells nothing; it is also the challenge's subject when no account matches.
    const identity = externalUserId ? `ext:${externalUserId}` : `email:${email}`;
    // Counted before the statement, so that a refused start writes nothing.
    const headers = await this.limits.consumeSend(app.id, identity, canonicalEmail(dto.email)).catch(async (err: unknown) => {
      if (err instanceof ApiError && err.code === 'rate_limit_exceeded') {
        const user = await this.named(app, externalUserId, email);
        await this.audit.record({
          appId: app.id,
          userId: user?.id,
          externalUserId: user?.externalUserId ?? externalUserId,
          type: 'otp.rate_limited',
          actor: 'end_user',
          meta,
          data: { purpose, limit: err.details.limit },
        });
      }
      throw err;
    });

    const challengeId = randomUUID();
    const code = generateCode(app.otpLength);
    // An unknown account's challenge stores the hash of a code nobody is told, and never matches (no user).
    const codeHash = this.secrets.hashCode(challengeId, code);
    const expiresAt = new Date(Date.now() + this.config.otpTtlMs);
    const audit = this.audit.row({ appId: app.id, externalUserId, type: 'otp.sent', actor: 'end_user', meta, data: { purpose, challengeId } });
    const mail = this.mail.row({
      appId: app.id,
      userId: null,
      challengeId,
      template: purpose === 'recovery' ? 'otp-recovery' : 'otp-login',
      // The locale the user set through the app backend beats the browser's header (docs/mail.md);
      // the statement puts the user's own between the two.
      locale: pickLocale(localeFromAcceptLanguage(meta.acceptLanguage), app.locale),
      to: '',
      data: { code, expiresMinutes: Math.round(this.config.otpTtlMs / 60000) },
    });
    const outcome = await this.challenges.start(
      {
        id: challengeId,
        appId: app.id,
        purpose,
        codeHash,
        maxAttempts: this.config.otpMaxAttempts,
        expiresAt,
        named: { externalUserId, email },
        fallbackSubject: identity,
        maxFailures: this.budget.max,
        auditTypes: START_AUDIT_TYPES,
        preferredLocale: supportedLocale(dto.locale),
      },
      audit,
      mail.part,
    );
    return {
      result: { body: { challengeId, expiresAt: expiresAt.toISOString(), codeLength: app.otpLength, purpose }, headers },
      mailId: outcome === 'sent' ? mail.id : null,
      purpose,
    };
  }

  async verify(app: Application, dto: VerifyOtpDto, meta: RequestMeta) {
    // The attempt is counted before the code is compared.
    const row = await this.challenges.countAttempt(dto.challengeId, app.id, this.budget.max);
    if (!row) return this.refuse(app, dto.challengeId, meta);
    const matches = row.userId !== null && safeEqual(this.secrets.hashCode(dto.challengeId, dto.code), row.codeHash);
    return matches ? this.succeed(app, row, dto.challengeId, meta) : this.fail(app, row, dto.challengeId, meta);
  }

  /** The right code: consume the challenge (one conditional UPDATE, with its audit event) unless the user is locked out. */
  private async succeed(app: Application, row: ChallengeAttempt, challengeId: string, meta: RequestMeta) {
    const audit = this.audit.row({
      appId: app.id,
      userId: row.userId,
      externalUserId: row.externalUserId,
      type: row.purpose === 'recovery' ? 'recovery.started' : 'otp.verified',
      actor: 'end_user',
      meta,
      data: { challengeId, purpose: row.purpose, method: 'email_otp' },
    });
    // A user over the daily failure budget (read when the attempt was counted) is refused before
    // anything is consumed or audited as a success.
    if (row.budgetSpent) throw this.lockedOut();
    if (!(await this.challenges.consume(challengeId, audit))) return this.refuse(app, challengeId, meta);
    let scope: TokenScope = row.purpose === 'recovery' ? 'recovery' : 'session';
    // SPEC §9.4: under "email+second_factor", a user who has a second factor must still present it.
    if (scope === 'recovery' && (await this.secondFactor.required(app, row.userId!))) scope = 'recovery_pending';
    const issued = await this.tokens.issue(app, {
      userId: row.userId!,
      externalUserId: row.externalUserId!,
      scope,
      amr: ['email_otp'],
      ttlMs: scope === 'session' ? this.config.sessionTtlMs : this.config.recoveryTokenTtlMs,
    });
    this.metrics.otpVerify.inc({ result: 'verified' });
    this.metrics.otpSendToVerify.observe((Date.now() - new Date(row.createdAt).getTime()) / 1000);
    return { token: issued.token, tokenType: scope, expiresAt: issued.expiresAt, user: { externalUserId: row.externalUserId } };
  }

  /** A wrong code: it counts against the challenge (already) and against the user's daily budget. */
  private async fail(app: Application, row: ChallengeAttempt, challengeId: string, meta: RequestMeta): Promise<never> {
    const attemptsRemaining = Math.max(0, row.maxAttempts - row.attempts);
    const locked = attemptsRemaining === 0;
    const overBudget = await this.budget.recordFailure(
      app.id,
      row.subject,
      this.audit.row({
        appId: app.id,
        userId: row.userId,
        externalUserId: row.externalUserId,
        type: locked ? 'otp.locked' : 'otp.verify_failed',
        actor: 'end_user',
        meta,
        data: { challengeId, purpose: row.purpose, attemptsRemaining },
      }),
    );
    if (overBudget) throw this.lockedOut();
    this.metrics.otpVerify.inc({ result: locked ? 'locked' : 'invalid_code' });
    throw new ApiError('invalid_code', 'That code is not right.', { attemptsRemaining });
  }

  private lockedOut(): ApiError {
    this.metrics.otpVerify.inc({ result: 'locked' });
    return new ApiError('too_many_attempts', 'Too many failed codes for this account today; sign in with a passkey or try again tomorrow.');
  }

  /** Explains why a challenge could not take an attempt: unknown, used, superseded, expired or locked. */
  private async refuse(app: Application, challengeId: string, meta: RequestMeta): Promise<never> {
    const c = await this.challenges.state(challengeId, app.id);
    if (!c) {
      this.metrics.otpVerify.inc({ result: 'not_found' });
      throw new ApiError('challenge_not_found', 'No such challenge for this application.');
    }
    const reason = c.consumed ? 'used' : c.superseded ? 'superseded' : c.expired ? 'expired' : null;
    await this.audit.record({ appId: app.id, userId: c.userId, type: 'otp.verify_refused', actor: 'end_user', meta, data: { challengeId, purpose: c.purpose, result: reason ?? 'locked' } });
    if (reason) {
      this.metrics.otpVerify.inc({ result: reason });
      throw new ApiError('session_expired', `This code is no longer valid (${reason}); request a new one.`, { reason });
    }
    this.metrics.otpVerify.inc({ result: 'locked' });
    throw new ApiError('too_many_attempts', 'Too many wrong codes for this challenge; request a new one.');
  }

  /**
   * Who a start names (SPEC §9.1), for the rare refused start (the statement of an accepted one
   * does this lookup itself): with an externalUserId, that user if its stored address equals the
   * typed one (after trim, NFKC, lowercase; a `+tag` is kept); otherwise the one user with that
   * address (an address several users share counts as unknown).
   */
  private async named(app: Application, externalUserId: string | null, email: string): Promise<User | null> {
    if (!externalUserId) return this.users.findByEmail(app.id, email);
    const found = await this.users.find(app.id, externalUserId);
    return found && found.emailNormalized === email ? found : null;
  }
}
