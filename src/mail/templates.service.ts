import { Injectable, Logger } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Locale, LOCALES } from '../common/locales';
import { findRepoFolder } from '../common/static-files';
import { MailTemplate } from './mail.constants';
import { TemplateOverride } from './template-override.model';
import { TemplateOverrideRepository } from './template-override.repository';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The three parts of a template, as Handlebars source. */
export type TemplateSource = RenderedMail;

type Compiled = { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; html: Handlebars.TemplateDelegate };

/** How long a process serves an application's overrides before reading them again (other instances and worker processes). */
export const OVERRIDE_CACHE_MS = 30_000;
const OVERRIDE_CACHE_APPS = 1000;

/**
 * An application's override. Unlike the bundled templates (strict, so a bug in them fails
 * loudly), a missing value renders empty: every variable an override names was checked when it
 * was saved, and a security mail must not fail for a value that is absent in one case.
 * Only the built-in helpers exist; HTML is escaped as in the bundled templates.
 */
export function compileOverride(src: TemplateSource): Compiled {
  const compile = (text: string, noEscape: boolean) => Handlebars.compile(text, { noEscape, knownHelpersOnly: true });
  return { subject: compile(src.subject, true), text: compile(src.text, true), html: compile(src.html, false) };
}

function run(t: Compiled, data: Record<string, unknown>): RenderedMail {
  return { subject: t.subject(data).trim(), text: t.text(data), html: t.html(data) };
}

/**
 * Compiles every `templates/<template>/<locale>.{subject,txt,html}.hbs` once, at start-up, and
 * renders an application's overrides (mail_template_overrides) in their place when it has any.
 */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger('Templates');
  private readonly compiled = new Map<string, Compiled>();
  private readonly sources = new Map<string, TemplateSource>();
  private readonly overrides = new Map<string, { until: number; byKey: Promise<Map<string, Compiled>> }>();

  constructor(private readonly repo: TemplateOverrideRepository) {
    const root = findRepoFolder('templates', 'otp-login');
    for (const template of readdirSync(root)) {
      for (const locale of LOCALES) {
        const file = (kind: string) => join(root, template, `${locale}.${kind}.hbs`);
        if (!existsSync(file('subject'))) continue;
        const source = { subject: readFileSync(file('subject'), 'utf8'), text: readFileSync(file('txt'), 'utf8'), html: readFileSync(file('html'), 'utf8') };
        const load = (text: string, noEscape: boolean) => Handlebars.compile(text, { noEscape, strict: true });
        this.sources.set(`${template}/${locale}`, source);
        this.compiled.set(`${template}/${locale}`, { subject: load(source.subject, true), text: load(source.text, true), html: load(source.html, false) });
      }
    }
  }

  /** The bundled template. */
  render(template: MailTemplate, locale: Locale, data: Record<string, unknown>): RenderedMail {
    const t = this.compiled.get(`${template}/${locale}`) ?? this.compiled.get(`${template}/en`);
    if (!t) throw new Error(`no template ${template}`);
    return run(t, data);
  }

  /** The application's override of this template and locale when it has one, else the bundled template. */
  async renderFor(appId: string, template: MailTemplate, locale: Locale, data: Record<string, unknown>): Promise<RenderedMail> {
    const own = (await this.overridesOf(appId)).get(`${template}/${locale}`);
    if (own) {
      try {
        return run(own, data);
      } catch (err) {
        this.logger.warn(`override ${template}/${locale} of application ${appId} failed to render (${(err as Error).message}); sending the bundled template`);
      }
    }
    return this.render(template, locale, data);
  }

  /** Renders template source (a draft or a stored override) as an override is rendered. */
  renderSource(source: TemplateSource, data: Record<string, unknown>): RenderedMail {
    return run(compileOverride(source), data);
  }

  /** The bundled source of a template, to start an override from. */
  bundledSource(template: MailTemplate, locale: Locale): TemplateSource | undefined {
    return this.sources.get(`${template}/${locale}`);
  }

  /** Forgets an application's cached overrides (this process; others re-read within OVERRIDE_CACHE_MS). */
  invalidate(appId: string): void {
    this.overrides.delete(appId);
  }

  private overridesOf(appId: string): Promise<Map<string, Compiled>> {
    const now = Date.now();
    const hit = this.overrides.get(appId);
    if (hit && hit.until > now) return hit.byKey;
    this.overrides.delete(appId);
    if (this.overrides.size >= OVERRIDE_CACHE_APPS) this.overrides.delete(this.overrides.keys().next().value!);
    const byKey = this.repo.forApp(appId).then((rows) => new Map(rows.map((o: TemplateOverride) => [`${o.template}/${o.locale}`, compileOverride(o)])));
    // A failed read is not cached: the job fails and is retried.
    byKey.catch(() => {
      if (this.overrides.get(appId)?.byKey === byKey) this.overrides.delete(appId);
    });
    this.overrides.set(appId, { until: now + OVERRIDE_CACHE_MS, byKey });
    return byKey;
  }
}
