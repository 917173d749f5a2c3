import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Meta, RequestMeta } from '../common/request';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { ReportTokenDto } from './dto/report.dto';
import { ReportPreviewResponseDto, ReportResponseDto } from './dto/report-responses.dto';
import { NoStoreInterceptor } from './no-store.interceptor';
import { SecurityReportService } from './security-report.service';

/** Called by the service's own /report page; the token names the application, so no client id. */
@ApiTags('end user (report link)')
@UseInterceptors(NoStoreInterceptor)
@Controller('v1/security/report')
export class SecurityController {
  constructor(private readonly reports: SecurityReportService) {}

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'What a "This wasn\'t me" link reports: {event, occurredAt, appName, locale, factor?}. Read-only.' })
  @ApiOkResponse({ type: ReportPreviewResponseDto })
  @ApiErrors('invalid_request', 'invalid_token', 'session_expired', 'payload_too_large', 'rate_limit_exceeded')
  preview(@Body() dto: ReportTokenDto) {
    return this.reports.preview(dto.token);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Report the event: revokes what it added, cancels pending support resets, ends every session, locks email recovery' })
  @ApiOkResponse({ type: ReportResponseDto })
  @ApiErrors('invalid_request', 'invalid_token', 'session_expired', 'payload_too_large', 'rate_limit_exceeded')
  report(@Body() dto: ReportTokenDto, @Meta() meta: RequestMeta) {
    return this.reports.report(dto.token, meta);
  }
}
