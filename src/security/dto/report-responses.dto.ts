import { ApiProperty } from '@nestjs/swagger';
import { LOCALES } from '../../common/locales';

export class ReportPreviewResponseDto {
  @ApiProperty({ example: 'passkey.registered', description: 'The event the link reports' }) event: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ example: 'Acme' }) appName: string;
  @ApiProperty({ enum: LOCALES, description: "The language of the mail the link came in (the user's locale, else the application's); the page uses it" }) locale: string;
  @ApiProperty({ required: false, enum: ['totp', 'recovery_codes'], description: 'For a second-factor event: which factor' }) factor?: 'totp' | 'recovery_codes';
}

export class ReportResponseDto {
  @ApiProperty({ enum: [true] }) reported: boolean;
}
