import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENTS } from '../webhook.constants';

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://api.myapp.com/hooks/mellon' }) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true }) events: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class CreatedWebhookDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks signing secret, shown once' }) secret: string;
}

export class WebhookListResponseDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) webhooks: WebhookEndpointDto[];
}

export class DeliveryAttemptDto {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ nullable: true, type: Number, example: 500 }) statusCode: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ example: 84 }) durationMs: number;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: 'msg_2b8f…', description: 'The webhook-id header: the same on every retry' }) id: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS }) type: string;
  @ApiProperty({ enum: ['pending', 'sending', 'delivered', 'failed'] }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ type: [DeliveryAttemptDto] }) attempts: DeliveryAttemptDto[];
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'Newest first' }) deliveries: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
