import { Locale } from '../common/locales';
import { MailTemplate } from './mail.constants';

/** An application's own subject, text and HTML for one template in one locale (replacing the bundled one). */
export interface TemplateOverride {
  appId: string;
  template: MailTemplate;
  locale: Locale;
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
  updatedAt: Date;
}

export function toPublicOverride(o: TemplateOverride) {
  return { template: o.template, locale: o.locale, subject: o.subject, text: o.text, html: o.html, createdAt: o.createdAt, updatedAt: o.updatedAt };
}
