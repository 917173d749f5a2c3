import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { AuditService } from '../audit/audit.service';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { ExternalUserIdParam, PutUserDto } from './dto/user.dto';
import { toPublicUser } from './user.model';
import { UsersService } from './users.service';
import { UserViewService } from './user-view.service';

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly view: UserViewService,
    private readonly audit: AuditService,
  ) {}

  @Put(':externalUserId')
  async put(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: PutUserDto, @Meta() meta: RequestMeta) {
    const { user, created } = await this.users.upsert(app.id, p.externalUserId, dto.email, dto.locale);
    await this.audit.record({ appId: app.id, userId: user.id, externalUserId: user.externalUserId, type: created ? 'user.created' : 'user.updated', actor: 'app_backend', meta });
    return toPublicUser(user);
  }

  @Get(':externalUserId')
  async get(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam) {
    const user = await this.users.get(app.id, p.externalUserId);
    return this.view.render(user);
  }
}
