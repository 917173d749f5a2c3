import { Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { pickLocale } from '../common/locales';
import { SqlExecutor } from '../database/db';
import { User } from '../users/user.model';
import { MailTemplate } from './mail.constants';
import { MailProducer } from './mail.producer';

/**
 * Security mails (recovery link, passkey added, support reset, passkeys revoked) always go to the
 * address stored for the user, in the user's locale. Written inside the caller's transaction;
 * the caller dispatches the returned ids after commit.
 */
@Injectable()
export class SecurityMailService {
  constructor(private readonly mail: MailProducer) {}

  write(tx: SqlExecutor, app: Application, user: User, template: MailTemplate, data: Record<string, unknown>): Promise<string> {
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
