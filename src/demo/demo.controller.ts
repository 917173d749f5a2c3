import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiExcludeController, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { Application } from '../applications/application.model';
import { ClientGuard } from '../applications/guards';
import { ApiError } from '../common/api-error';
import { CurrentApp, CurrentClaims, Meta, RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Scopes, TokenGuard } from '../sessions/token.guard';
import { TokenClaims } from '../sessions/token.types';
import { DemoService } from './demo.service';
import { StaticFile } from '../common/static-files';
import { DEMO_FILES } from './demo-files';
import { ApiErrors, CLIENT_ERRORS, END_USER_ERRORS } from '../openapi/api-errors.decorator';
import { ApiClientAuth, ApiEndUserAuth } from '../openapi/security.decorators';
import { SupportResetResponseDto } from '../recovery/dto/recovery-responses.dto';
import { DemoConfigResponseDto, DemoSignupResponseDto } from './dto/demo-responses.dto';
import { DemoSignupDto } from './dto/signup.dto';

// The page loads only its own script and styles and talks only to this origin.
const PAGE_CSP = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join(
  '; ',
);

@ApiTags('demo')
@Controller('demo')
export class DemoController {
  constructor(
    private readonly demo: DemoService,
    @Inject(DEMO_FILES) private readonly files: Map<string, StaticFile>,
  ) {}

  @ApiExcludeEndpoint()
  @SkipThrottle()
  @Get()
  page(@Res() reply: FastifyReply) {
    this.send(reply, 'index.html');
  }

  /** The assets, and `/demo/` itself (where the recoveryUrl points: Nest strips a trailing slash from route paths). */
  @ApiExcludeEndpoint()
  @SkipThrottle()
  @Get('*')
  asset(@Param('*') file: string, @Res() reply: FastifyReply) {
    this.send(reply, file || 'index.html');
  }

  /** What the page needs to call the browser API for the demo application. */
  @SkipThrottle()
  @Get('config.json')
  @ApiOperation({ summary: "Demo page: the demo application's client id and WebAuthn RP" })
  @ApiOkResponse({ type: DemoConfigResponseDto })
  @ApiErrors('not_found')
  config() {
    return this.demo.pageConfig();
  }

  /** Demo-only stand-in for an app backend: creates the user and mints an enrollment token. */
  @ApiOperation({ summary: 'Demo only: create a user of the sandbox demo application and an enrollment token' })
  @ApiCreatedResponse({ type: DemoSignupResponseDto })
  @ApiClientAuth()
  @ApiErrors(...CLIENT_ERRORS, 'not_found', 'conflict')
  @UseGuards(ClientGuard)
  @Post('api/signup')
  @HttpCode(201)
  signup(@CurrentApp() app: Application, @Body() dto: DemoSignupDto, @Meta() meta: RequestMeta) {
    return this.demo.signup(app, dto, meta);
  }

  /** Demo-only stand-in for a support agent: a support reset of the signed-in user, with a cooling-off period. */
  @ApiOperation({ summary: 'Demo only: a support reset of the signed-in user, with a one-minute cooling-off' })
  @ApiCreatedResponse({ type: SupportResetResponseDto })
  @ApiEndUserAuth()
  @ApiErrors(...END_USER_ERRORS, 'not_found')
  @UseGuards(TokenGuard)
  @Scopes('session')
  @Post('api/support-reset')
  @HttpCode(201)
  supportReset(@CurrentApp() app: Application, @CurrentClaims() claims: TokenClaims, @Meta() meta: RequestMeta) {
    return this.demo.supportReset(app, claims, meta);
  }

  private send(reply: FastifyReply, name: string): void {
    const file = this.files.get(name);
    if (!file) throw new ApiError('not_found', 'No such route.');
    reply.header('content-type', file.contentType).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (name === 'index.html') reply.header('content-security-policy', PAGE_CSP).header('x-frame-options', 'DENY');
    reply.send(file.body);
  }
}

/** `/` leads a developer to the demo page, where a first start tells them to go. */
@ApiExcludeController()
@SkipThrottle()
@Controller()
export class DemoRootController {
  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  @Get()
  root(@Res() reply: FastifyReply) {
    if (!this.config.demoApp) throw new ApiError('not_found', 'No such route.');
    reply.redirect('/demo', 302);
  }
}
