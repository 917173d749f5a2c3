import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp } from '../common/request';
import { AuditService } from './audit.service';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  list(@CurrentApp() app: Application, @Query() q: AuditQueryDto) {
    return this.audit.list(app.id, { ...q, limit: q.limit ?? 50 });
  }
}
