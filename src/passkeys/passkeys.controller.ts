import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { ClientGuard } from '../applications/guards';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { Scopes, SessionProvenBy, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { AuthenticationService } from './authentication.service';
import { CredentialsService } from './credentials.service';
import { AuthFinishDto, AuthStartDto, RegisterFinishDto } from './dto/passkeys.dto';
import { ApiErrors, CLIENT_ERRORS, END_USER_ERRORS } from '../openapi/api-errors.decorator';
import { ApiClientAuth, ApiEndUserAuth } from '../openapi/security.decorators';
import { EndUserTokenResponseDto } from '../sessions/dto/session-responses.dto';
import { CeremonyResponseDto, CredentialListResponseDto, RegisterFinishResponseDto } from './dto/passkeys-responses.dto';
import { toPublicCredential } from './passkey-credential.model';
import { RegistrationService } from './registration.service';

@ApiTags('browser / SDK')
@Controller('v1/passkeys')
export class PasskeysController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly authentication: AuthenticationService,
    private readonly credentials: CredentialsService,
  ) {}

  @Post('register/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start registering a passkey (session proven by a passkey, recovery or enrollment token)' })
  @ApiOkResponse({ type: CeremonyResponseDto })
  @ApiEndUserAuth()
  @ApiErrors(...END_USER_ERRORS)
  @UseGuards(TokenGuard)
  @Scopes('session', 'recovery', 'enrollment')
  @SessionProvenBy('passkey')
  registerStart(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return this.registration.start(app, claims);
  }

  @Post('register/finish')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Finish registering the passkey; with a recovery token this ends the recovery',
    description: 'The recovery token is spent and the listed passkeys revoked. Never retry automatically. Pass `signal` to PublicKeyCredential.signalAllAcceptedCredentials.',
  })
  @ApiCreatedResponse({ type: RegisterFinishResponseDto })
  @ApiEndUserAuth()
  @ApiErrors(...END_USER_ERRORS, 'challenge_not_found', 'webauthn_verification_failed', 'credential_not_found', 'conflict')
  @UseGuards(TokenGuard)
  @Scopes('session', 'recovery', 'enrollment')
  @SessionProvenBy('passkey')
  registerFinish(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Body() dto: RegisterFinishDto, @Meta() meta: RequestMeta) {
    return this.registration.finish(app, claims, dto, meta);
  }

  @Post('auth/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a passkey sign-in (omit externalUserId for discoverable credentials / autofill)' })
  @ApiOkResponse({ type: CeremonyResponseDto })
  @ApiClientAuth()
  @ApiErrors(...CLIENT_ERRORS)
  @UseGuards(ClientGuard)
  authStart(@CurrentApp() app: Application, @Body() dto: AuthStartDto) {
    return this.authentication.start(app, dto);
  }

  @Post('auth/finish')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Finish the passkey sign-in: a session token',
    description: 'An unknown or revoked passkey gives 404 credential_not_found with credentialId, for PublicKeyCredential.signalUnknownCredential.',
  })
  @ApiOkResponse({ type: EndUserTokenResponseDto })
  @ApiClientAuth()
  @ApiErrors(...CLIENT_ERRORS, 'challenge_not_found', 'session_expired', 'credential_not_found', 'webauthn_verification_failed')
  @UseGuards(ClientGuard)
  authFinish(@CurrentApp() app: Application, @Body() dto: AuthFinishDto, @Meta() meta: RequestMeta) {
    return this.authentication.finish(app, dto, meta);
  }

  /** The signed-in user's own passkeys (session tokens only; a recovery token lists through /v1/recovery/credentials). */
  @Get()
  @ApiOperation({ summary: "The signed-in user's passkeys (session token)" })
  @ApiOkResponse({ type: CredentialListResponseDto })
  @ApiEndUserAuth()
  @ApiErrors(...END_USER_ERRORS)
  @UseGuards(TokenGuard)
  @Scopes('session')
  async list(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims) {
    return { credentials: (await this.credentials.list(app.id, claims.uid)).map(toPublicCredential) };
  }
}
