import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsOptional } from 'class-validator';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { Secrets } from '../config/secrets';
import { ApiError } from '../common/api-error';
import { pickLocale } from '../common/locales';
import { CurrentApp } from '../common/request';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { SandboxOutboxResponseDto } from './dto/sandbox-outbox-responses.dto';
import { MailOutboxRepository } from './mail-outbox.repository';
import { TemplatesService } from './templates.service';

class OutboxQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsEmail() to?: string;
}

/**
 * Sandbox applications only: the mails rendered for this app in the last 24 h, so integration
 * tests can read codes without SMTP. Rendered on request from the encrypted outbox row.
 */
@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/sandbox/outbox')
export class SandboxOutboxController {
  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly secrets: Secrets,
    private readonly templates: TemplatesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Sandbox applications: the mails rendered in the last 24 h (read codes without SMTP)' })
  @ApiOkResponse({ type: SandboxOutboxResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'insufficient_scope')
  async list(@CurrentApp() app: Application, @Query() q: OutboxQueryDto) {
    if (app.mode !== 'sandbox') throw new ApiError('insufficient_scope', 'The sandbox outbox exists only for sandbox applications.');
    const rows = await this.outbox.recentForApp(app.id, q.to?.trim());
    // Rendered as the worker renders them, with the application's template overrides.
    const mails = await Promise.all(
      rows.map(async (r) => {
        const data = JSON.parse(this.secrets.decrypt(r.payloadEnc)) as Record<string, unknown>;
        const mail = await this.templates.renderFor(app.id, r.template, pickLocale(r.locale), { appName: app.name, ...data });
        return { id: r.id, to: r.toAddress, template: r.template, status: r.status, createdAt: r.createdAt, sentAt: r.sentAt, ...mail };
      }),
    );
    return { mails };
  }
}
