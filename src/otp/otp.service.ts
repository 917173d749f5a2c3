import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { safeEqual, Secrets } from '../config/secrets';
import { ApiError } from '../common/api-error';
import { canonicalEmail } from '../common/email';
import { pickLocale } from '../common/locales';
import { RequestMeta } from '../common/request';
import { MailProducer, OUTBOX_QUEUED } from '../mail/mail.producer';
import { insertSql } from '../database/statement';
import { MetricsService } from '../metrics/metrics.service';
import { LimitHeaders, OtpLimitsService } from '../rate-limit/otp-limits.service';
import { TokenService } from '../sessions/token.service';
import { User } from '../users/user.model';
import { Purpose, StartOtpDto, VerifyOtpDto } from './dto/otp.dto';
import { generateCode } from './otp-code';
import { PreparedStatements } from '../database/prepared';

const USER_SELECT = `SELECT id, external_user_id AS "externalUserId", email, email_canonical AS "emailCanonical", locale FROM users`;

export interface StartResult {
  body: { challengeId: string; expiresAt: string; codeLength: number; purpose: Purpose };
  headers: LimitHeaders;
}

interface AttemptRow {
  code_hash: Buffer;
  attempts: number;
  max_attempts: number;
  user_id: string | null;
  subject: string;
  purpose: Purpose;
  created_at: Date;
  external_user_id: string | null;
}

@Injectable()
export class OtpService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sql: PreparedStatements,
    private readonly limits: OtpLimitsService,
    private readonly mail: MailProducer,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Known and unknown accounts take the same path: the same limits, a challenge row, the same
   * answer. Only a known account gets an outbox row (and so a mail), always to its stored address.
   */
  async start(app: Application, dto: StartOtpDto, meta: RequestMeta): Promise<StartResult> {
    const purpose: Purpose = dto.purpose ?? 'login';
    const emailKey = canonicalEmail(dto.email);
    const { user, subject } = await this.resolve(app, dto, emailKey);
    // Both Redis reads go out together (the client pipelines them).
    const [headers, locked] = await Promise.all([
      this.limits.consumeSend(app.id, subject, emailKey).catch(async (err: unknown) => {
        if (err instanceof ApiError && err.code === 'rate_limit_exceeded') {
          await this.audit.record({ appId: app.id, userId: user?.id, externalUserId: user?.externalUserId ?? dto.externalUserId, type: 'otp.rate_limited', actor: 'end_user', meta, data: { purpose, limit: err.details.limit } });
        }
        throw err;
      }),
      this.limits.failuresExhausted(app.id, subject),
    ]);
    const recipient = user && !locked ? user : null;

    const challengeId = randomUUID();
    const code = generateCode(app.otpLength);
    const codeHash = recipient ? this.secrets.hashCode(challengeId, code) : randomBytes(32);
    const expiresAt = new Date(Date.now() + this.config.otpTtlMs);
    const audit = this.audit.row({
      appId: app.id,
      userId: user?.id,
      externalUserId: user?.externalUserId ?? dto.externalUserId,
      type: recipient ? 'otp.sent' : locked && user ? 'otp.refused_locked' : 'otp.start_unknown_account',
      actor: 'end_user',
      meta,
      data: { purpose, challengeId },
    });
    const mail = recipient
      ? this.mail.row({
          appId: app.id,
          userId: recipient.id,
          challengeId,
          template: purpose === 'recovery' ? 'otp-recovery' : 'otp-login',
          locale: pickLocale(dto.locale, recipient.locale, app.locale),
          to: recipient.email,
          data: { code, expiresMinutes: Math.round(this.config.otpTtlMs / 60000) },
        })
      : null;
    // Supersede, insert the challenge, its audit event and (for a real account) its outbox row in
    // one statement: atomic like a transaction, at the cost of one round trip.
    const params: unknown[] = [app.id, subject, purpose];
    const parts = [
      `superseded AS (UPDATE otp_challenges SET superseded_at = now()
         WHERE app_id = $1 AND subject = $2 AND purpose = $3 AND consumed_at IS NULL AND superseded_at IS NULL RETURNING 1)`,
      `challenge AS (${insertSql(
        {
          table: 'otp_challenges',
          columns: ['id', 'app_id', 'user_id', 'subject', 'purpose', 'code_hash', 'max_attempts', 'expires_at'],
          values: [challengeId, app.id, user?.id ?? null, subject, purpose, codeHash, this.config.otpMaxAttempts, expiresAt],
        },
        params,
        { returning: '1' },
      )})`,
      `audit AS (${insertSql(audit, params, { returning: '1' })})`,
    ];
    if (mail) parts.push(`outbox AS (${insertSql(mail.part, params, { literals: OUTBOX_QUEUED, returning: '1' })})`);
    await this.sql.rows(`WITH ${parts.join(',\n')} SELECT 1`, params);
    if (mail) {
      await this.mail.dispatch([mail.id]);
      this.metrics.otpSent.inc({ purpose });
    }
    this.metrics.otpStarted.inc({ purpose, account: user ? 'known' : 'unknown' });
    return { body: { challengeId, expiresAt: expiresAt.toISOString(), codeLength: app.otpLength, purpose }, headers };
  }

  async verify(app: Application, dto: VerifyOtpDto, meta: RequestMeta) {
    // The attempt is counted in the same statement that decides whether the challenge is still live.
    const rows = await this.sql.rows<AttemptRow>(
      `UPDATE otp_challenges c SET attempts = c.attempts + 1
       WHERE c.id = $1 AND c.app_id = $2 AND c.consumed_at IS NULL AND c.superseded_at IS NULL
         AND c.expires_at > now() AND c.attempts < c.max_attempts
       RETURNING c.code_hash, c.attempts, c.max_attempts, c.user_id, c.subject, c.purpose, c.created_at,
         (SELECT u.external_user_id FROM users u WHERE u.id = c.user_id) AS external_user_id`,
      [dto.challengeId, app.id],
    );
    const row = rows[0];
    if (!row) return this.refuse(app, dto.challengeId, meta);
    const matches = row.user_id !== null && safeEqual(this.secrets.hashCode(dto.challengeId, dto.code), row.code_hash);
    return matches ? this.succeed(app, row, dto.challengeId, meta) : this.fail(app, row, dto.challengeId, meta);
  }

  /** The right code: consume the challenge (one conditional UPDATE, with its audit event) unless the user is locked out. */
  private async succeed(app: Application, row: AttemptRow, challengeId: string, meta: RequestMeta) {
    const audit = this.audit.row({
      appId: app.id,
      userId: row.user_id,
      externalUserId: row.external_user_id,
      type: row.purpose === 'recovery' ? 'recovery.started' : 'otp.verified',
      actor: 'end_user',
      meta,
      data: { challengeId, purpose: row.purpose, method: 'email_otp' },
    });
    const params: unknown[] = [challengeId];
    const consume = this.sql.rows(
      `WITH consumed AS (UPDATE otp_challenges SET consumed_at = now()
         WHERE id = $1 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > now() RETURNING id),
       audit AS (${insertSql(audit, params, { from: 'consumed' })})
       SELECT id FROM consumed`,
      params,
    );
    const [locked, consumed] = await Promise.all([this.limits.failuresExhausted(app.id, row.subject), consume]);
    if (locked) throw this.lockedOut();
    if (consumed.length !== 1) return this.refuse(app, challengeId, meta);
    const scope = row.purpose === 'recovery' ? 'recovery' : 'session';
    const issued = await this.tokens.issue(app, {
      userId: row.user_id!,
      externalUserId: row.external_user_id!,
      scope,
      amr: ['email_otp'],
      ttlMs: scope === 'recovery' ? this.config.recoveryTokenTtlMs : this.config.sessionTtlMs,
    });
    this.metrics.otpVerify.inc({ result: 'verified' });
    this.metrics.otpSendToVerify.observe((Date.now() - new Date(row.created_at).getTime()) / 1000);
    return { token: issued.token, tokenType: scope, expiresAt: issued.expiresAt, user: { externalUserId: row.external_user_id } };
  }

  /** A wrong code: it counts against the challenge (already) and against the user's daily budget. */
  private async fail(app: Application, row: AttemptRow, challengeId: string, meta: RequestMeta): Promise<never> {
    const attemptsRemaining = Math.max(0, row.max_attempts - row.attempts);
    const locked = attemptsRemaining === 0;
    const [overBudget] = await Promise.all([
      this.limits.recordFailure(app.id, row.subject),
      this.audit.record({
        appId: app.id,
        userId: row.user_id,
        externalUserId: row.external_user_id,
        type: locked ? 'otp.locked' : 'otp.verify_failed',
        actor: 'end_user',
        meta,
        data: { challengeId, purpose: row.purpose, attemptsRemaining },
      }),
    ]);
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
    const rows: { consumed: boolean; superseded: boolean; expired: boolean; locked: boolean; user_id: string | null; purpose: Purpose }[] = await this.db.query(
      `SELECT consumed_at IS NOT NULL AS consumed, superseded_at IS NOT NULL AS superseded,
              expires_at <= now() AS expired, attempts >= max_attempts AS locked, user_id, purpose
       FROM otp_challenges WHERE id = $1 AND app_id = $2`,
      [challengeId, app.id],
    );
    const c = rows[0];
    if (!c) {
      this.metrics.otpVerify.inc({ result: 'not_found' });
      throw new ApiError('challenge_not_found', 'No such challenge for this application.');
    }
    const reason = c.consumed ? 'used' : c.superseded ? 'superseded' : c.expired ? 'expired' : null;
    await this.audit.record({ appId: app.id, userId: c.user_id, type: 'otp.verify_refused', actor: 'end_user', meta, data: { challengeId, purpose: c.purpose, result: reason ?? 'locked' } });
    if (reason) {
      this.metrics.otpVerify.inc({ result: reason });
      throw new ApiError('session_expired', `This code is no longer valid (${reason}); request a new one.`, { reason });
    }
    this.metrics.otpVerify.inc({ result: 'locked' });
    throw new ApiError('too_many_attempts', 'Too many wrong codes for this challenge; request a new one.');
  }

  /**
   * The subject a challenge, its limits and its superseding are keyed on: the user when the
   * account exists and the email matches, otherwise what was typed, so an unknown account
   * behaves exactly like a known one.
   */
  private async resolve(app: Application, dto: StartOtpDto, emailKey: string): Promise<{ user: User | null; subject: string }> {
    if (dto.externalUserId) {
      const [user] = await this.sql.rows<User>(`${USER_SELECT} WHERE app_id = $1 AND external_user_id = $2`, [app.id, dto.externalUserId]);
      if (user && user.emailCanonical === emailKey) return { user, subject: `user:${user.id}` };
      return { user: null, subject: `ext:${dto.externalUserId}` };
    }
    const [user] = await this.sql.rows<User>(`${USER_SELECT} WHERE app_id = $1 AND email_canonical = $2 ORDER BY created_at LIMIT 1`, [app.id, emailKey]);
    return user ? { user, subject: `user:${user.id}` } : { user: null, subject: `email:${emailKey}` };
  }
}
