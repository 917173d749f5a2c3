import { ApiProperty } from '@nestjs/swagger';
import { PURPOSES } from './otp.dto';

export class StartOtpResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f0c5a9e-6d43-4b8e-9d0c-7f1f3d2a9b11' }) challengeId: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ example: 6 }) codeLength: number;
  @ApiProperty({ enum: PURPOSES }) purpose: string;
}
