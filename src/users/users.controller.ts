import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { AccountActionDto, ExternalUserIdParam, PutUserDto } from './dto/user.dto';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { RevokeSessionsResponseDto, UnlockResponseDto, UserDto, UserWithPasskeysDto } from './dto/user-responses.dto';
import { AccountService } from './account.service';
import { UserViewService } from './user-view.service';

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly account: AccountService,
    private readonly view: UserViewService,
  ) {}

  @Put(':externalUserId')
  @ApiOperation({ summary: 'Create or update a user (its email address)' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(...SECRET_KEY_ERRORS)
  put(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: PutUserDto, @Meta() meta: RequestMeta) {
    return this.account.put(app, p.externalUserId, dto, meta);
  }

  @Get(':externalUserId')
  @ApiOperation({ summary: 'The user with its passkeys and second factors' })
  @ApiOkResponse({ type: UserWithPasskeysDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found')
  async get(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam) {
    return this.view.render(await this.account.get(app, p.externalUserId));
  }

  @Post(':externalUserId/unlock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift the recovery lock a "This wasn\'t me" report set, and reset the OTP failure budget' })
  @ApiOkResponse({ type: UnlockResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found')
  unlock(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: AccountActionDto, @Meta() meta: RequestMeta) {
    return this.account.unlock(app, p.externalUserId, dto, meta);
  }

  @Post(':externalUserId/sessions/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'End every session, recovery and enrollment token of the user' })
  @ApiOkResponse({ type: RevokeSessionsResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found')
  revokeSessions(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: AccountActionDto, @Meta() meta: RequestMeta) {
    return this.account.revokeSessions(app, p.externalUserId, dto, meta);
  }
}
