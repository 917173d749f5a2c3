import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Application } from '../applications/application.model';
import { ClientGuard } from '../applications/guards';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { ApiErrors, CLIENT_ERRORS } from '../openapi/api-errors.decorator';
import { ApiClientAuth } from '../openapi/security.decorators';
import { EndUserTokenResponseDto } from '../sessions/dto/session-responses.dto';
import { StartOtpDto, VerifyOtpDto } from './dto/otp.dto';
import { StartOtpResponseDto } from './dto/otp-responses.dto';
import { OtpService } from './otp.service';

@ApiTags('browser / SDK')
@ApiClientAuth()
@UseGuards(ClientGuard)
@Controller('v1/email-otp')
export class OtpController {
  constructor(private readonly otp: OtpService) {}

  @Post('start')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a one-time code',
    description:
      'Same status, body and timing whether or not the account exists; unknown accounts get no email. The answer (a 429 included) comes no sooner than `OTP_START_MIN_MS` (15 ms by default) after the request reaches the handler.',
  })
  @ApiAcceptedResponse({ type: StartOtpResponseDto })
  @ApiErrors(...CLIENT_ERRORS)
  async start(@CurrentApp() app: Application, @Body() dto: StartOtpDto, @Meta() meta: RequestMeta, @Res({ passthrough: true }) reply: FastifyReply) {
    const { body, headers } = await this.otp.start(app, dto, meta);
    reply.headers({ ...headers });
    return body;
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange the emailed code for a session (login) or recovery token', description: 'Spends the code: never retry this request automatically.' })
  @ApiOkResponse({ type: EndUserTokenResponseDto })
  @ApiErrors(...CLIENT_ERRORS, 'invalid_code', 'session_expired', 'challenge_not_found', 'too_many_attempts')
  verify(@CurrentApp() app: Application, @Body() dto: VerifyOtpDto, @Meta() meta: RequestMeta) {
    return this.otp.verify(app, dto, meta);
  }
}
