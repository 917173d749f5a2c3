import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LOCALES } from '../../common/locales';
import { RECOVERY_POLICIES } from '../application.model';

export class ApplicationDto {
  @ApiProperty({ example: 'app_9f2c4e1b7a' }) appId: string;
  @ApiProperty({ example: 'cli_4d1e8a0c3f' }) clientId: string;
  @ApiProperty({ example: 'Acme' }) name: string;
  @ApiProperty({ enum: ['sandbox', 'production'] }) mode: string;
  @ApiProperty({ type: [String], example: ['https://myapp.com'] }) allowedOrigins: string[];
  @ApiProperty({ example: 'myapp.com' }) rpId: string;
  @ApiProperty({ example: 'Acme' }) rpName: string;
  @ApiProperty({ example: 'https://myapp.com/recover' }) recoveryUrl: string;
  @ApiProperty({ example: 'Acme <no-reply@myapp.com>' }) mailFrom: string;
  @ApiProperty({ enum: LOCALES }) locale: string;
  @ApiProperty({ example: 6 }) otpLength: number;
  @ApiProperty({ example: '24h' }) supportResetCoolingOff: string;
  @ApiProperty({ enum: RECOVERY_POLICIES }) recoveryPolicy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ApplicationWithSecretDto extends ApplicationDto {
  @ApiPropertyOptional({ example: 'sk_live_…', description: 'The secret key: returned once, on creation and on rotateSecretKey' }) secretKey?: string;
}

export class ApplicationListResponseDto {
  @ApiProperty({ type: [ApplicationDto] }) applications: ApplicationDto[];
}
