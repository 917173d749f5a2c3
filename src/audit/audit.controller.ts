import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp } from '../common/request';
import { AuditService } from './audit.service';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { AuditQueryDto } from './dto/audit-query.dto';
import { AuditEventPageDto } from './dto/audit-responses.dto';

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events of the application, newest first, cursor-paginated' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiErrors(...SECRET_KEY_ERRORS)
  list(@CurrentApp() app: Application, @Query() q: AuditQueryDto) {
    return this.audit.list(app.id, { ...q, limit: q.limit ?? 50 });
  }
}
