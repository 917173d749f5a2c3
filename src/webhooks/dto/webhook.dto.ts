import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, IsUUID, Length, Max, Min } from 'class-validator';
import { WEBHOOK_EVENTS, WebhookEvent } from '../webhook.constants';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://api.myapp.com/hooks/mellon', description: 'Production applications: https, not resolving to a loopback, private or link-local address' })
  @IsString()
  @Length(1, 2000)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'], allow_underscores: true })
  url: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true, description: 'Default: every event' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEvent[];
}

export class WebhookIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID() id: string;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) cursor?: string;
}
