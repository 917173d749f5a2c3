import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { ClientGuard } from '../applications/guards';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { Scopes, SessionProvenBy, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { AuthenticationService } from './authentication.service';
import { CredentialsService } from './credentials.service';
import { AuthFinishDto, AuthStartDto, RegisterFinishDto } from './dto/passkeys.dto';
import { toPublicCredential } from './passkey-credential.model';
import { RegistrationService } from './registration.service';

@ApiTags('browser / SDK')
@ApiHeader({ name: 'X-Client-Id', required: true })
@Controller('v1/passkeys')
export class PasskeysController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly authentication: AuthenticationService,
    private readonly credentials: CredentialsService,
  ) {}

  @Post('register/start')
  @HttpCode(200)
  @ApiBearerAuth()
  @UseGuards(TokenGuard)
  @Scopes('session', 'recovery', 'enrollment')
  @SessionProvenBy('passkey')
  registerStart(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.registration.start(app, claims);
  }

  @Post('register/finish')
  @HttpCode(201)
  @ApiBearerAuth()
  @UseGuards(TokenGuard)
  @Scopes('session', 'recovery', 'enrollment')
  @SessionProvenBy('passkey')
  registerFinish(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Body() dto: RegisterFinishDto, @Meta() meta: RequestMeta) {
    return this.registration.finish(app, claims, dto, meta);
  }

  @Post('auth/start')
  @HttpCode(200)
  @UseGuards(ClientGuard)
  authStart(@CurrentApp() app: Application, @Body() dto: AuthStartDto) {
    return this.authentication.start(app, dto);
  }

  @Post('auth/finish')
  @HttpCode(200)
  @UseGuards(ClientGuard)
  authFinish(@CurrentApp() app: Application, @Body() dto: AuthFinishDto, @Meta() meta: RequestMeta) {
    return this.authentication.finish(app, dto, meta);
  }

  /** The signed-in user's own passkeys (session tokens only; a recovery token lists through /v1/recovery/credentials). */
  @Get()
  @ApiBearerAuth()
  @UseGuards(TokenGuard)
  @Scopes('session')
  async list(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return { credentials: (await this.credentials.list(app.id, claims.uid)).map(toPublicCredential) };
  }
}
