import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { trimString } from '../../common/email';

const SIX_DIGITS = /^\d{6}$/;

export class TotpEnrollFinishDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all') enrollmentId: string;
  @ApiProperty({ example: '123456', description: 'The code the authenticator app shows now' })
  @Transform(trimString)
  @Matches(SIX_DIGITS, { message: 'code must be 6 digits' })
  code: string;
}

/** Exactly one of the two (checked by the service, which names both fields when it is not so). */
export class SecondFactorAnswerDto {
  @ApiPropertyOptional({ example: '123456', description: 'A code from the authenticator app' })
  @IsOptional()
  @Transform(trimString)
  @Matches(SIX_DIGITS, { message: 'totp must be 6 digits' })
  totp?: string;
  @ApiPropertyOptional({ example: '7K3QD-M9X2P', description: 'One of the recovery codes (case, spaces and dashes do not matter); each works once' })
  @IsOptional()
  @IsString()
  @Length(10, 24)
  recoveryCode?: string;
}
