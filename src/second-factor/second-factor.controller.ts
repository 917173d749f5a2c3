import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { Scopes, SessionProvenBy, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { ApiErrors, END_USER_ERRORS } from '../openapi/api-errors.decorator';
import { ApiEndUserAuth } from '../openapi/security.decorators';
import { EndUserTokenResponseDto } from '../sessions/dto/session-responses.dto';
import { SecondFactorAnswerDto, TotpEnrollFinishDto } from './dto/second-factor.dto';
import { RecoveryCodesResponseDto, SecondFactorStatusDto, TotpDeleteResponseDto, TotpEnrollFinishResponseDto, TotpEnrollStartResponseDto } from './dto/second-factor-responses.dto';
import { SecondFactorRecoveryService } from './second-factor-recovery.service';
import { SecondFactorService } from './second-factor.service';

/** Managing a second factor takes a session proven by a passkey (SPEC §9.4). */
@ApiTags('browser / SDK')
@ApiEndUserAuth()
@UseGuards(TokenGuard)
@Scopes('session')
@SessionProvenBy('passkey')
@Controller('v1')
export class SecondFactorController {
  constructor(private readonly factors: SecondFactorService) {}

  @Post('totp/enroll/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start adding an authenticator app: {enrollmentId, secret, otpauthUrl, expiresAt}. Passkey session.' })
  @ApiOkResponse({ type: TotpEnrollStartResponseDto })
  @ApiErrors(...END_USER_ERRORS)
  totpStart(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.factors.startTotp(app, claims);
  }

  @Post('totp/enroll/finish')
  @HttpCode(201)
  @ApiOperation({ summary: 'Finish adding the authenticator app with the code it shows now. Passkey session.' })
  @ApiCreatedResponse({ type: TotpEnrollFinishResponseDto })
  @ApiErrors(...END_USER_ERRORS, 'invalid_code', 'too_many_attempts', 'not_found')
  totpFinish(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Body() dto: TotpEnrollFinishDto, @Meta() meta: RequestMeta) {
    return this.factors.finishTotp(app, claims, dto.enrollmentId, dto.code, meta);
  }

  @Delete('totp')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove the authenticator app (recovery codes stay). Passkey session.' })
  @ApiOkResponse({ type: TotpDeleteResponseDto })
  @ApiErrors(...END_USER_ERRORS, 'not_found')
  totpDelete(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Meta() meta: RequestMeta) {
    return this.factors.deleteTotp(app, claims, meta);
  }

  @Post('recovery-codes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Ten new single-use recovery codes, shown once; the previous set stops working. Passkey session.' })
  @ApiCreatedResponse({ type: RecoveryCodesResponseDto })
  @ApiErrors(...END_USER_ERRORS)
  recoveryCodes(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Meta() meta: RequestMeta) {
    return this.factors.regenerateCodes(app, claims, meta);
  }

  @Get('second-factor')
  @ApiOperation({ summary: 'Which second factors the user has: {totp: {createdAt, lastUsedAt} | null, recoveryCodes: {remaining, createdAt}}. Passkey session.' })
  @ApiOkResponse({ type: SecondFactorStatusDto })
  @ApiErrors(...END_USER_ERRORS)
  status(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.factors.status(app.id, claims.uid);
  }
}

@ApiTags('browser / SDK')
@Controller('v1/recovery')
export class SecondFactorRecoveryController {
  constructor(private readonly recovery: SecondFactorRecoveryService) {}

  @Post('second-factor')
  @HttpCode(200)
  @ApiEndUserAuth()
  @ApiOkResponse({ type: EndUserTokenResponseDto })
  @ApiErrors(...END_USER_ERRORS, 'invalid_code', 'too_many_attempts')
  @UseGuards(TokenGuard)
  @Scopes('recovery_pending')
  @ApiOperation({ summary: 'A recovery_pending token plus {totp} or {recoveryCode} → the recovery token (same body as a recovery verify).' })
  secondFactor(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Body() dto: SecondFactorAnswerDto, @Meta() meta: RequestMeta) {
    return this.recovery.verify(app, claims, dto, meta);
  }
}
