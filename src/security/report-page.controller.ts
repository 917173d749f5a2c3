import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/api-error';
import type { StaticFile } from '../common/static-files';
import { REPORT_FILES } from './report-page.files';

// Only its own script, styles and API; no inline script, no framing, no forms posting elsewhere.
const PAGE_CSP = ["default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');

/**
 * The "This wasn't me" page. Fetching or rendering it changes nothing (link scanners do both):
 * only its button posts the report. The token stays in the fragment, which is never sent here.
 */
@ApiExcludeController()
@SkipThrottle()
@Controller('report')
export class ReportPageController {
  constructor(@Inject(REPORT_FILES) private readonly files: Map<string, StaticFile>) {}

  @Get()
  page(@Res() reply: FastifyReply) {
    this.send(reply, 'index.html');
  }

  @Get('*')
  asset(@Param('*') file: string, @Res() reply: FastifyReply) {
    this.send(reply, file || 'index.html');
  }

  private send(reply: FastifyReply, name: string): void {
    const file = this.files.get(name);
    if (!file) throw new ApiError('not_found', 'No such route.');
    reply
      .header('content-type', file.contentType)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', PAGE_CSP)
      .header('x-frame-options', 'DENY')
      .send(file.body);
  }
}
