import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Application } from '../applications/application.model';
import { SecretKeyGuard } from '../applications/guards';
import { CurrentApp } from '../common/request';
import { CreateWebhookDto, DeliveriesQueryDto, WebhookIdParam } from './dto/webhook.dto';
import { ApiErrors, SECRET_KEY_ERRORS } from '../openapi/api-errors.decorator';
import { ApiSecretKeyAuth } from '../openapi/security.decorators';
import { CreatedWebhookDto, WebhookDeliveryPageDto, WebhookListResponseDto } from './dto/webhook-responses.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('app backend')
@ApiSecretKeyAuth()
@UseGuards(SecretKeyGuard)
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Register a webhook endpoint; the signing secret is returned once' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'conflict')
  create(@CurrentApp() app: Application, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(app, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints' })
  @ApiOkResponse({ type: WebhookListResponseDto })
  @ApiErrors(...SECRET_KEY_ERRORS)
  list(@CurrentApp() app: Application) {
    return this.webhooks.list(app);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a webhook endpoint' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(...SECRET_KEY_ERRORS, 'not_found')
  @HttpCode(204)
  async delete(@CurrentApp() app: Application, @Param() p: WebhookIdParam): Promise<void> {
    await this.webhooks.delete(app, p.id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Delivery log of an endpoint, newest first, with every attempt' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiErrors(...SECRET_KEY_ERRORS, 'not_found')
  deliveries(@CurrentApp() app: Application, @Param() p: WebhookIdParam, @Query() q: DeliveriesQueryDto) {
    return this.webhooks.deliveryLog(app, p.id, { limit: q.limit ?? 50, cursor: q.cursor });
  }
}
