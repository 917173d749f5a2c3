import { Injectable } from '@nestjs/common';
import { Locale } from '../common/locales';
import { Db } from '../database/db';
import { MailTemplate } from './mail.constants';
import { TemplateOverride } from './template-override.model';

const COLUMNS = `app_id AS "appId", template, locale, subject, text_body AS "text", html_body AS "html", created_at AS "createdAt", updated_at AS "updatedAt"`;

@Injectable()
export class TemplateOverrideRepository {
  constructor(private readonly db: Db) {}

  /** All overrides of an application (a handful at most: templates × locales). */
  forApp(appId: string): Promise<TemplateOverride[]> {
    return this.db.rows<TemplateOverride>(`SELECT ${COLUMNS} FROM mail_template_overrides WHERE app_id = $1 ORDER BY template, locale`, [appId]);
  }

  async find(appId: string, template: MailTemplate, locale: Locale): Promise<TemplateOverride | null> {
    const rows = await this.db.rows<TemplateOverride>(`SELECT ${COLUMNS} FROM mail_template_overrides WHERE app_id = $1 AND template = $2 AND locale = $3`, [appId, template, locale]);
    return rows[0] ?? null;
  }

  async upsert(o: Pick<TemplateOverride, 'appId' | 'template' | 'locale' | 'subject' | 'text' | 'html'>): Promise<TemplateOverride> {
    const rows = await this.db.rows<TemplateOverride>(
      `INSERT INTO mail_template_overrides (app_id, template, locale, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (app_id, template, locale) DO UPDATE SET subject = EXCLUDED.subject, text_body = EXCLUDED.text_body, html_body = EXCLUDED.html_body, updated_at = now()
       RETURNING ${COLUMNS}`,
      [o.appId, o.template, o.locale, o.subject, o.text, o.html],
    );
    return rows[0];
  }

  /** True when there was one to remove. */
  async remove(appId: string, template: MailTemplate, locale: Locale): Promise<boolean> {
    return (await this.db.count(`DELETE FROM mail_template_overrides WHERE app_id = $1 AND template = $2 AND locale = $3`, [appId, template, locale])) > 0;
  }
}
