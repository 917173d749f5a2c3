import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { Locale } from '../common/locales';
import { RequestMeta } from '../common/request';
import { MailTemplate } from './mail.constants';
import { TemplateOverride } from './template-override.model';
import { TemplateOverrideRepository } from './template-override.repository';
import { checkOverride, sampleData } from './template-rules';
import { RenderedMail, TemplatesService, TemplateSource } from './templates.service';

export interface Preview extends RenderedMail {
  template: MailTemplate;
  locale: Locale;
  source: 'draft' | 'override' | 'bundled';
  sampleData: Record<string, unknown>;
}

/** An operator's per-application templates: checked before they are stored, previewed without sending. */
@Injectable()
export class TemplateOverridesService {
  constructor(
    private readonly repo: TemplateOverrideRepository,
    private readonly templates: TemplatesService,
    private readonly apps: ApplicationsService,
    private readonly audit: AuditService,
  ) {}

  async list(appId: string): Promise<TemplateOverride[]> {
    await this.apps.get(appId);
    return this.repo.forApp(appId);
  }

  /** The override, or the bundled template to start one from. */
  async get(appId: string, template: MailTemplate, locale: Locale): Promise<TemplateSource & { source: 'override' | 'bundled' }> {
    await this.apps.get(appId);
    const own = await this.repo.find(appId, template, locale);
    if (own) return { source: 'override', subject: own.subject, text: own.text, html: own.html };
    return { source: 'bundled', ...this.templates.bundledSource(template, locale)! };
  }

  async put(appId: string, template: MailTemplate, locale: Locale, src: TemplateSource, meta: RequestMeta): Promise<TemplateOverride> {
    const app = await this.apps.get(appId);
    this.check(template, src, app.name);
    const saved = await this.repo.upsert({ appId, template, locale, ...src });
    this.templates.invalidate(appId);
    await this.audit.record({ appId, type: 'mail_template.updated', actor: 'operator:api', meta, data: { template, locale } });
    return saved;
  }

  async remove(appId: string, template: MailTemplate, locale: Locale, meta: RequestMeta): Promise<void> {
    await this.apps.get(appId);
    if (!(await this.repo.remove(appId, template, locale))) throw new ApiError('not_found', `Application ${appId} has no ${template} template of its own for ${locale}.`);
    this.templates.invalidate(appId);
    await this.audit.record({ appId, type: 'mail_template.removed', actor: 'operator:api', meta, data: { template, locale } });
  }

  /** Renders a draft (any part not given comes from the current template) or the current template, with sample data. Sends nothing. */
  async preview(appId: string, template: MailTemplate, locale: Locale, draft: Partial<TemplateSource>): Promise<Preview> {
    const app = await this.apps.get(appId);
    const current = await this.get(appId, template, locale);
    const isDraft = draft.subject !== undefined || draft.text !== undefined || draft.html !== undefined;
    const src: TemplateSource = { subject: draft.subject ?? current.subject, text: draft.text ?? current.text, html: draft.html ?? current.html };
    const data = sampleData(template, app.name);
    if (isDraft) this.check(template, src, app.name);
    const rendered = current.source === 'bundled' && !isDraft ? this.templates.render(template, locale, data) : this.templates.renderSource(src, data);
    return { template, locale, source: isDraft ? 'draft' : current.source, ...rendered, sampleData: data };
  }

  /** 400 invalid_request naming every problem; a template that passes also renders with the sample data. */
  private check(template: MailTemplate, src: TemplateSource, appName: string): void {
    const details = checkOverride(template, src);
    if (!details.length) {
      try {
        this.templates.renderSource(src, sampleData(template, appName));
      } catch (err) {
        details.push({ field: 'html', problem: `the template does not render: ${(err as Error).message.split('\n')[0]}` });
      }
    }
    if (details.length) throw new ApiError('invalid_request', `The ${template} template is not valid: ${details[0].problem}.`, { details });
  }
}
