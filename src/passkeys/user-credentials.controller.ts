import { Controller, Delete, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { ExternalUserIdParam } from '../users/dto/user.dto';
import { CredentialParam } from './dto/passkeys.dto';
import { UserCredentialsService } from './user-credentials.service';

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class UserCredentialsController {
  constructor(private readonly service: UserCredentialsService) {}

  @Post(':externalUserId/enrollment')
  enroll(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Meta() meta: RequestMeta) {
    return this.service.enroll(app, p.externalUserId, meta);
  }

  @Delete(':externalUserId/credentials/:credentialId')
  revoke(@CurrentApp() app: Application, @Param() p: CredentialParam, @Meta() meta: RequestMeta) {
    return this.service.revoke(app, p.externalUserId, p.credentialId, meta);
  }
}
