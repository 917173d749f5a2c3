import { Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { pickLocale } from '../common/locales';
import { SqlExecutor } from '../database/db';
import { ReportLinks } from '../security/report-links.service';
import { ReportedEventInput } from '../security/security-report.model';
import { User } from '../users/user.model';
import { MailTemplate } from './mail.constants';
import { MailProducer } from './mail.producer';

export type { ReportedEventInput } from '../security/security-report.model';

/**
 * Security mails (passkey added, support reset, passkeys revoked) always go to the address stored
 * for the user, in the user's locale, and carry a "This wasn't me" link (`reportLink`) for the
 * event they announce. Written inside the caller's transaction; the caller dispatches the
 * returned ids after commit.
 */
@Injectable()
export class SecurityMailService {
  constructor(
    private readonly mail: MailProducer,
    private readonly reportLinks: ReportLinks,
  ) {}

  /** A security mail with its report link; `report` names the event and what a report must undo. */
  async write(tx: SqlExecutor, app: Application, user: User, template: MailTemplate, data: Record<string, unknown>, report: ReportedEventInput): Promise<string> {
    const reportLink = await this.reportLinks.create(tx, app.id, user.id, report);
    return this.send(tx, app, user, template, { ...data, reportLink });
  }

  /** A mail to the stored address that reports no event (the support reset's recovery link). */
  send(tx: SqlExecutor, app: Application, user: User, template: MailTemplate, data: Record<string, unknown>): Promise<string> {
    return this.mail.write(tx, {
      appId: app.id,
      userId: user.id,
      template,
      locale: pickLocale(user.locale, app.locale),
      to: user.email,
      data,
    });
  }

  dispatch(ids: string[]): Promise<void> {
    return this.mail.dispatch(ids);
  }
}
