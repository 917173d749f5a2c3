import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp } from '../common/request';
import { CreateWebhookDto, DeliveriesQueryDto, WebhookIdParam } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('app backend')
@ApiBearerAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  create(@CurrentApp() app: Application, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(app, dto);
  }

  @Get()
  list(@CurrentApp() app: Application) {
    return this.webhooks.list(app);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentApp() app: Application, @Param() p: WebhookIdParam): Promise<void> {
    await this.webhooks.delete(app, p.id);
  }

  @Get(':id/deliveries')
  deliveries(@CurrentApp() app: Application, @Param() p: WebhookIdParam, @Query() q: DeliveriesQueryDto) {
    return this.webhooks.deliveryLog(app, p.id, { limit: q.limit ?? 50, cursor: q.cursor });
  }
}
