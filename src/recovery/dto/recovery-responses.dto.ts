import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SupportResetResponseDto {
  @ApiProperty({ format: 'uuid' }) recoveryId: string;
  @ApiProperty({ format: 'date-time', description: 'When the link starts to work (after the cooling-off)' }) availableAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiPropertyOptional({ example: 'https://myapp.com/recover#token=…', description: 'Only with delivery "link": hand it to the user over another channel' }) link?: string;
}
