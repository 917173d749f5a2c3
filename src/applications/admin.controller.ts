import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Meta, RequestMeta } from '../common/request';
import { toPublicApplication } from './application.model';
import { ApplicationsService } from './applications.service';
import { CreateApplicationDto, UpdateApplicationDto } from './dto/application.dto';
import { AdminGuard } from './guards';

@ApiTags('operator')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/applications')
export class AdminController {
  constructor(private readonly apps: ApplicationsService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateApplicationDto, @Meta() meta: RequestMeta) {
    const { app, secretKey } = await this.apps.create(dto, { by: { actor: 'operator:api', meta } });
    return { ...toPublicApplication(app), secretKey };
  }

  @Get()
  async list() {
    return { applications: (await this.apps.list()).map(toPublicApplication) };
  }

  @Patch(':appId')
  async update(@Param('appId') appId: string, @Body() dto: UpdateApplicationDto, @Meta() meta: RequestMeta) {
    const { app, secretKey } = await this.apps.update(appId, dto, { actor: 'operator:api', meta });
    return { ...toPublicApplication(app), ...(secretKey ? { secretKey } : {}) };
  }
}
