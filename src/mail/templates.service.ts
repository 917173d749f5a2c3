import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Locale, LOCALES } from '../common/locales';
import { MailTemplate } from './mail.constants';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Compiled = { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; html: Handlebars.TemplateDelegate };

export function findTemplatesDir(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'otp-login'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`templates/ not found above ${start}`);
  }
}

/** Compiles every `templates/<template>/<locale>.{subject,txt,html}.hbs` once, at start-up. */
@Injectable()
export class TemplatesService {
  private readonly compiled = new Map<string, Compiled>();

  constructor() {
    const root = findTemplatesDir();
    for (const template of readdirSync(root)) {
      for (const locale of LOCALES) {
        const file = (kind: string) => join(root, template, `${locale}.${kind}.hbs`);
        if (!existsSync(file('subject'))) continue;
        const load = (kind: string, noEscape: boolean) => Handlebars.compile(readFileSync(file(kind), 'utf8'), { noEscape, strict: true });
        this.compiled.set(`${template}/${locale}`, { subject: load('subject', true), text: load('txt', true), html: load('html', false) });
      }
    }
  }

  render(template: MailTemplate, locale: Locale, data: Record<string, unknown>): RenderedMail {
    const t = this.compiled.get(`${template}/${locale}`) ?? this.compiled.get(`${template}/en`);
    if (!t) throw new Error(`no template ${template}`);
    return { subject: t.subject(data).trim(), text: t.text(data), html: t.html(data) };
  }
}
