import { Controller, Delete, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { ExternalUserIdParam } from '../users/dto/user.dto';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { CredentialParam } from './dto/passkeys.dto';
import { CredentialDto, EnrollmentResponseDto } from './dto/passkeys-responses.dto';
import { UserCredentialsService } from './user-credentials.service';

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class UserCredentialsController {
  constructor(private readonly service: UserCredentialsService) {}

  @Post(':externalUserId/enrollment')
  @ApiOperation({ summary: 'An enrollment token to register a first passkey' })
  @ApiCreatedResponse({ type: EnrollmentResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found')
  enroll(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Meta() meta: RequestMeta) {
    return this.service.enroll(app, p.externalUserId, meta);
  }

  @Delete(':externalUserId/credentials/:credentialId')
  @ApiOperation({ summary: "Revoke one of the user's passkeys" })
  @ApiOkResponse({ type: CredentialDto, description: 'The revoked passkey' })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found', 'credential_not_found')
  revoke(@CurrentApp() app: Application, @Param() p: CredentialParam, @Meta() meta: RequestMeta) {
    return this.service.revoke(app, p.externalUserId, p.credentialId, meta);
  }
}
