import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { ClientGuard, SecretKeyGuard } from '../applications/guards';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { Scopes, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { ExternalUserIdParam } from '../users/dto/user.dto';
import { ApiErrors, CLIENT_ERRORS, END_USER_ERRORS, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiClientAuth, ApiEndUserAuth, ApiSecretKeyAuth } from '../openapi/security.decorators';
import { CredentialListResponseDto } from '../passkeys/dto/passkeys-responses.dto';
import { EndUserTokenResponseDto } from '../sessions/dto/session-responses.dto';
import { RedeemDto, SupportResetDto } from './dto/recovery.dto';
import { SupportResetResponseDto } from './dto/recovery-responses.dto';
import { RecoveryService } from './recovery.service';
import { SupportResetService } from './support-reset.service';

@ApiTags('browser / SDK')
@Controller('v1/recovery')
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  @Post('redeem')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem the token of an emailed recovery link (#token=…) for a recovery token', description: 'Spends the link: never retry automatically.' })
  @ApiOkResponse({ type: EndUserTokenResponseDto })
  @ApiClientAuth()
  @ApiErrors(...CLIENT_ERRORS, 'invalid_token', 'session_expired', 'recovery_pending')
  @UseGuards(ClientGuard)
  redeem(@CurrentApp() app: Application, @Body() dto: RedeemDto, @Meta() meta: RequestMeta) {
    return this.recovery.redeem(app, dto.token, meta);
  }

  @Get('credentials')
  @ApiOperation({ summary: "The recovering user's passkeys, active and revoked (recovery token)" })
  @ApiOkResponse({ type: CredentialListResponseDto })
  @ApiEndUserAuth()
  @ApiErrors(...END_USER_ERRORS)
  @UseGuards(TokenGuard)
  @Scopes('recovery')
  credentials(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.recovery.listCredentials(app, claims);
  }
}

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class SupportResetController {
  constructor(private readonly reset: SupportResetService) {}

  @Post(':externalUserId/recovery')
  @ApiOperation({ summary: 'Start a support-initiated reset: a recovery link by email, or returned once (delivery "link")' })
  @ApiCreatedResponse({ type: SupportResetResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'user_not_found')
  start(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: SupportResetDto, @Meta() meta: RequestMeta) {
    return this.reset.start(app, p.externalUserId, dto, meta);
  }
}
