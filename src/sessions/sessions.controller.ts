import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { ApiError } from '../common/api-error';
import { CurrentApp } from '../common/request';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { JwksResponseDto, VerifySessionResponseDto } from './dto/session-responses.dto';
import { VerifySessionDto } from './dto/verify-session.dto';
import { SigningKeysService } from './signing-keys.service';
import { TokenService } from './token.service';
import { publicClaims } from './token.types';

@ApiTags('public')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'Public keys (ES256) that sign session tokens; verify offline against them' })
  @ApiOkResponse({ type: JwksResponseDto })
  @ApiErrors('rate_limit_exceeded')
  jwks() {
    return this.keys.jwks();
  }
}

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly tokens: TokenService) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify an end-user token online (expiry, scope and revocation included)' })
  @ApiOkResponse({ type: VerifySessionResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'invalid_token')
  async verify(@CurrentApp() app: Application, @Body() dto: VerifySessionDto) {
    const verified = await this.tokens.verify(app, dto.token).catch((err: unknown) => {
      // For the app backend a spent single-use token is simply not valid any more; expired and revoked say so.
      if (err instanceof ApiError && err.code === 'invalid_token') throw err;
      if (err instanceof ApiError) throw new ApiError('invalid_token', 'The token is not valid for this application.', { reason: 'used' });
      throw err;
    });
    const expected = dto.scope ?? 'session';
    if (verified.scope !== expected) throw new ApiError('invalid_token', `The token has scope ${verified.scope}, not ${expected}.`);
    return { valid: true, claims: publicClaims(verified) };
  }
}
