import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Application } from '../applications/application.model';
import { pickLocale } from '../common/locales';
import { MailTemplate } from '../mail/mail.constants';
import { MailProducer } from '../mail/mail.producer';
import { User } from '../users/user.model';

/**
 * Security mails (recovery link, passkey added, support reset, passkeys revoked) always go to the
 * address stored for the user, in the user's locale. Written inside the caller's transaction;
 * the caller dispatches the returned ids after commit.
 */
@Injectable()
export class SecurityMailService {
  constructor(private readonly mail: MailProducer) {}

  write(manager: EntityManager, app: Application, user: User, template: MailTemplate, data: Record<string, unknown>): Promise<string> {
    return this.mail.write(manager, {
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
