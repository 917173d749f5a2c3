import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Meta, RequestMeta } from '../common/request';
import { toPublicApplication } from './application.model';
import { ApplicationsService } from './applications.service';
import { ADMIN_ERRORS, ApiErrors } from '../openapi/api-errors.decorator';
import { ApiAdminAuth } from '../openapi/security.decorators';
import { CreateApplicationDto, UpdateApplicationDto } from './dto/application.dto';
import { ApplicationListResponseDto, ApplicationWithSecretDto } from './dto/application-responses.dto';
import { AdminGuard } from './guards';

@ApiTags('operator')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/applications')
export class AdminController {
  constructor(private readonly apps: ApplicationsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an application; the secret key is returned once' })
  @ApiCreatedResponse({ type: ApplicationWithSecretDto })
  @ApiErrors(...ADMIN_ERRORS)
  async create(@Body() dto: CreateApplicationDto, @Meta() meta: RequestMeta) {
    const { app, secretKey } = await this.apps.create(dto, { by: { actor: 'operator:api', meta } });
    return { ...toPublicApplication(app), secretKey };
  }

  @Get()
  @ApiOperation({ summary: 'List applications' })
  @ApiOkResponse({ type: ApplicationListResponseDto })
  @ApiErrors(...ADMIN_ERRORS)
  async list() {
    return { applications: (await this.apps.list()).map(toPublicApplication) };
  }

  @Patch(':appId')
  @ApiOperation({ summary: 'Change an application, or rotate its secret key (returned once)' })
  @ApiOkResponse({ type: ApplicationWithSecretDto })
  @ApiErrors(...ADMIN_ERRORS, 'application_not_found')
  async update(@Param('appId') appId: string, @Body() dto: UpdateApplicationDto, @Meta() meta: RequestMeta) {
    const { app, secretKey } = await this.apps.update(appId, dto, { actor: 'operator:api', meta });
    return { ...toPublicApplication(app), ...(secretKey ? { secretKey } : {}) };
  }
}
