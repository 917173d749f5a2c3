import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { ApiError } from '../common/api-error';
import { CurrentApp } from '../common/request';
import { VerifySessionDto } from './dto/verify-session.dto';
import { SigningKeysService } from './signing-keys.service';
import { TokenService } from './token.service';
import { publicClaims } from './token.types';

@ApiTags('public')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks.json')
  jwks() {
    return this.keys.jwks();
  }
}

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly tokens: TokenService) {}

  @Post('verify')
  @HttpCode(200)
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
