import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { pickLocale } from '../common/locales';
import { RequestMeta } from '../common/request';
import { Secrets } from '../config/secrets';
import { Db, SqlExecutor } from '../database/db';
import { OtpChallengeRepository } from '../otp/otp-challenge.repository';
import { CredentialsService } from '../passkeys/credentials.service';
import { SupportResetService } from '../recovery/support-reset.service';
import { SecondFactorService } from '../second-factor/second-factor.service';
import { UsersService } from '../users/users.service';
import { SecurityReport } from './security-report.model';
import { SecurityReportRepository } from './security-report.repository';

/**
 * "This wasn't me": the preview only reads; the report freezes the account in one transaction
 * (SPEC §9.1): it undoes what the reported event added (a passkey, an authenticator app, a set of
 * recovery codes), cancels pending support resets, ends
 * every session, locks email recovery and supersedes live codes. Passkeys it did not revoke keep working.
 */
@Injectable()
export class SecurityReportService {
  constructor(
    private readonly db: Db,
    private readonly reports: SecurityReportRepository,
    private readonly applications: ApplicationsService,
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly resets: SupportResetService,
    private readonly challenges: OtpChallengeRepository,
    private readonly secondFactor: SecondFactorService,
    private readonly audit: AuditService,
    private readonly secrets: Secrets,
  ) {}

  async preview(token: string) {
    const report = await this.reports.findByHash(this.secrets.hashToken(token));
    if (!report) throw unknown();
    if (report.usedAt || report.expiresAt.getTime() <= Date.now()) throw noLonger(report);
    const [app, user] = await Promise.all([this.applications.get(report.appId), this.users.byId(report.appId, report.userId)]);
    const factor = report.eventData.factor;
    // The page speaks the language of the mail the link came in (the user's locale, else the application's).
    const locale = pickLocale(user?.locale, app.locale);
    return { event: report.event, occurredAt: report.occurredAt.toISOString(), appName: app.name, locale, ...(factor ? { factor } : {}) };
  }

  async report(token: string, meta: RequestMeta): Promise<{ reported: true }> {
    const hash = this.secrets.hashToken(token);
    await this.db.transaction(async (tx) => {
      const report = await this.reports.consume(hash, tx);
      if (!report) return this.refuse(hash);
      await this.freeze(tx, report, meta);
    });
    return { reported: true };
  }

  private async freeze(tx: SqlExecutor, report: SecurityReport, meta: RequestMeta): Promise<void> {
    const { appId, userId } = report;
    const user = await this.users.byId(appId, userId, tx);
    const added = report.event === 'passkey.registered' ? (report.eventData.credentialIds ?? []) : [];
    const revoked = added.length ? await this.credentials.revoke(tx, appId, userId, { ids: added }, 'security_report') : [];
    const removedFactors = await this.secondFactor.undoReported(tx, appId, userId, { event: report.event, data: report.eventData });
    const cancelled = await this.resets.cancelPending(tx, appId, userId);
    const sessionsValidAfter = await this.users.revokeSessions(appId, userId, tx);
    await this.users.setRecoveryLocked(appId, userId, true, tx);
    const superseded = await this.challenges.supersedeUser(appId, userId, tx);

    const base = { appId, userId, externalUserId: user?.externalUserId ?? null, actor: 'end_user', meta };
    await this.audit.record(
      {
        ...base,
        type: 'security.reported',
        data: {
          reportId: report.id,
          event: report.event,
          occurredAt: report.occurredAt.toISOString(),
          ...report.eventData,
          revokedCredentialIds: revoked,
          removedSecondFactors: removedFactors,
          cancelledRecoveryIds: cancelled,
          supersededChallenges: superseded,
          sessionsValidAfter: sessionsValidAfter.toISOString(),
        },
      },
      tx,
    );
    for (const credentialId of revoked) {
      await this.audit.record({ ...base, type: 'passkey.revoked', data: { credentialId, reason: 'security_report', reportId: report.id } }, tx);
    }
    for (const factor of removedFactors) {
      await this.audit.record({ ...base, type: 'second_factor.removed', data: { factor, reason: 'security_report', reportId: report.id } }, tx);
    }
    for (const recoveryId of cancelled) {
      await this.audit.record({ ...base, type: 'recovery.cancelled', data: { recoveryId, reason: 'security_report', reportId: report.id } }, tx);
    }
  }

  private async refuse(hash: Buffer): Promise<never> {
    const report = await this.reports.findByHash(hash);
    throw report ? noLonger(report) : unknown();
  }
}

const unknown = () => new ApiError('invalid_token', 'This "This wasn\'t me" link is not valid.');

function noLonger(report: SecurityReport): ApiError {
  const reason = report.usedAt ? 'used' : 'expired';
  const message = report.usedAt ? 'This event was already reported.' : 'This link has expired; contact support of the application.';
  return new ApiError('session_expired', message, { reason });
}
