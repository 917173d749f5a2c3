import { ApiProperty } from '@nestjs/swagger';

export class ReportPreviewResponseDto {
  @ApiProperty({ example: 'passkey.registered', description: 'The event the link reports' }) event: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ example: 'Acme' }) appName: string;
}

export class ReportResponseDto {
  @ApiProperty({ enum: [true] }) reported: boolean;
}
