import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LiveResponseDto {
  @ApiProperty({ enum: ['ok'] }) status: string;
}

export class ReadinessChecksDto {
  @ApiProperty({ enum: ['up', 'down'] }) postgres: string;
  @ApiProperty({ enum: ['up', 'down'] }) redis: string;
}

export class ReadinessResponseDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status: string;
  @ApiProperty({ type: ReadinessChecksDto }) checks: ReadinessChecksDto;
  @ApiPropertyOptional({ type: [String], description: 'When unavailable: which backing service is down, naming its variable and address' }) problems?: string[];
}
