import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsEmail, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { Secrets } from '../config/secrets';
import { ApiError } from '../common/api-error';
import { pickLocale } from '../common/locales';
import { CurrentApp } from '../common/request';
import { MailTemplate } from './mail.constants';
import { TemplatesService } from './templates.service';

class OutboxQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsEmail() to?: string;
}

/**
 * Sandbox applications only: the mails rendered for this app in the last 24 h, so integration
 * tests can read codes without SMTP. Rendered on request from the encrypted outbox row.
 */
@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/sandbox/outbox')
export class SandboxOutboxController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: Secrets,
    private readonly templates: TemplatesService,
  ) {}

  @Get()
  async list(@CurrentApp() app: Application, @Query() q: OutboxQueryDto) {
    if (app.mode !== 'sandbox') throw new ApiError('insufficient_scope', 'The sandbox outbox exists only for sandbox applications.');
    const params: unknown[] = [app.id];
    const filter = q.to ? `AND lower(to_address) = lower($${params.push(q.to.trim())})` : '';
    const rows: { id: string; template: MailTemplate; locale: string; to_address: string; payload_enc: Buffer; status: string; created_at: Date; sent_at: Date | null }[] =
      await this.db.query(
        `SELECT id, template, locale, to_address, payload_enc, status, created_at, sent_at FROM mail_outbox
         WHERE app_id = $1 AND created_at > now() - interval '24 hours' ${filter} ORDER BY created_at DESC LIMIT 100`,
        params,
      );
    return {
      mails: rows.map((r) => {
        const data = JSON.parse(this.secrets.decrypt(r.payload_enc)) as Record<string, unknown>;
        const mail = this.templates.render(r.template, pickLocale(r.locale), { appName: app.name, ...data });
        return { id: r.id, to: r.to_address, template: r.template, status: r.status, createdAt: r.created_at, sentAt: r.sent_at, ...mail };
      }),
    };
  }
}
