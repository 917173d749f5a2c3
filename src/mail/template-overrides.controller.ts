import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../applications/guards';
import { Locale } from '../common/locales';
import { Meta, RequestMeta } from '../common/request';
import { ADMIN_ERRORS, ApiErrors } from '../openapi/api-errors.decorator';
import { ApiAdminAuth } from '../openapi/security.decorators';
import {
  AppIdParamDto,
  PreviewTemplateDto,
  PutTemplateOverrideDto,
  TemplateOverrideDto,
  TemplateOverrideListDto,
  TemplateOverrideParamsDto,
  TemplatePreviewDto,
  TemplateSourceDto,
} from './dto/template-override.dto';
import { MailTemplate } from './mail.constants';
import { toPublicOverride } from './template-override.model';
import { TemplateOverridesService } from './template-overrides.service';

/** Per-application mail templates (docs/mail.md). */
@ApiTags('operator')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/applications/:appId/templates')
export class TemplateOverridesController {
  constructor(private readonly overrides: TemplateOverridesService) {}

  @Get()
  @ApiOperation({ summary: "List the application's own mail templates" })
  @ApiOkResponse({ type: TemplateOverrideListDto })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found')
  async list(@Param() p: AppIdParamDto) {
    return { overrides: (await this.overrides.list(p.appId)).map(toPublicOverride) };
  }

  @Get(':template/:locale')
  @ApiOperation({ summary: 'The template in use: the override, or the bundled one (`source`)' })
  @ApiOkResponse({ type: TemplateSourceDto })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found')
  async get(@Param() p: TemplateOverrideParamsDto) {
    return { template: p.template, locale: p.locale, ...(await this.overrides.get(p.appId, p.template as MailTemplate, p.locale as Locale)) };
  }

  @Put(':template/:locale')
  @ApiOperation({ summary: 'Set the application’s own subject, text and HTML for one template and locale' })
  @ApiOkResponse({ type: TemplateOverrideDto })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found')
  async put(@Param() p: TemplateOverrideParamsDto, @Body() dto: PutTemplateOverrideDto, @Meta() meta: RequestMeta) {
    return toPublicOverride(await this.overrides.put(p.appId, p.template as MailTemplate, p.locale as Locale, dto, meta));
  }

  @Delete(':template/:locale')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the override: the bundled template is used again' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found', 'not_found')
  async remove(@Param() p: TemplateOverrideParamsDto, @Meta() meta: RequestMeta): Promise<void> {
    await this.overrides.remove(p.appId, p.template as MailTemplate, p.locale as Locale, meta);
  }

  @Post(':template/:locale/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a draft or the current template with sample data; sends nothing' })
  @ApiOkResponse({ type: TemplatePreviewDto })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found')
  preview(@Param() p: TemplateOverrideParamsDto, @Body() dto: PreviewTemplateDto) {
    return this.overrides.preview(p.appId, p.template as MailTemplate, p.locale as Locale, dto);
  }
}
