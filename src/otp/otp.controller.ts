import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Application } from '../applications/application.model';
import { ClientGuard } from '../applications/guards';
import { CurrentApp, Meta, RequestMeta } from '../common/request';
import { StartOtpDto, VerifyOtpDto } from './dto/otp.dto';
import { OtpService } from './otp.service';

@ApiTags('browser / SDK')
@ApiHeader({ name: 'X-Client-Id', required: true })
@UseGuards(ClientGuard)
@Controller('v1/email-otp')
export class OtpController {
  constructor(private readonly otp: OtpService) {}

  @Post('start')
  @HttpCode(202)
  async start(@CurrentApp() app: Application, @Body() dto: StartOtpDto, @Meta() meta: RequestMeta, @Res({ passthrough: true }) reply: FastifyReply) {
    const { body, headers } = await this.otp.start(app, dto, meta);
    reply.headers({ ...headers });
    return body;
  }

  @Post('verify')
  @HttpCode(200)
  verify(@CurrentApp() app: Application, @Body() dto: VerifyOtpDto, @Meta() meta: RequestMeta) {
    return this.otp.verify(app, dto, meta);
  }
}
