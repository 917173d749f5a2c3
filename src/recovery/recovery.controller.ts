import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { ClientGuard, SecretKeyGuard } from '../applications/guards';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { Scopes, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { ExternalUserIdParam } from '../users/dto/user.dto';
import { RedeemDto, SupportResetDto } from './dto/recovery.dto';
import { RecoveryService } from './recovery.service';
import { SupportResetService } from './support-reset.service';

@ApiTags('browser / SDK')
@ApiHeader({ name: 'X-Client-Id', required: true })
@Controller('v1/recovery')
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  @Post('redeem')
  @HttpCode(200)
  @UseGuards(ClientGuard)
  redeem(@CurrentApp() app: Application, @Body() dto: RedeemDto, @Meta() meta: RequestMeta) {
    return this.recovery.redeem(app, dto.token, meta);
  }

  @Get('credentials')
  @ApiBearerAuth()
  @UseGuards(TokenGuard)
  @Scopes('recovery')
  credentials(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.recovery.listCredentials(app, claims);
  }
}

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/users')
export class SupportResetController {
  constructor(private readonly reset: SupportResetService) {}

  @Post(':externalUserId/recovery')
  start(@CurrentApp() app: Application, @Param() p: ExternalUserIdParam, @Body() dto: SupportResetDto, @Meta() meta: RequestMeta) {
    return this.reset.start(app, p.externalUserId, dto, meta);
  }
}
