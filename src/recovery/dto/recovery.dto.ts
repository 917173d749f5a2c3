import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsCoolingOff } from '../../applications/cooling-off';
import { trimString } from '../../common/email';

export class SupportResetDto {
  @ApiProperty({ example: 'agent:jane@acme.test', description: 'Who started the reset (the support agent); recorded in the audit log' })
  @Transform(trimString)
  @IsString()
  @Length(1, 200)
  actor: string;
  @ApiProperty({ example: 'Lost phone, identity checked by video call' })
  @Transform(trimString)
  @IsString()
  @Length(1, 1000)
  reason: string;
  @ApiProperty({ enum: ['none', 'all'] }) @IsIn(['none', 'all']) revokeCredentials: 'none' | 'all';
  @ApiProperty({ enum: ['email', 'link'], description: 'email: mailed to the stored address; link: returned once in this response' })
  @IsIn(['email', 'link'])
  delivery: 'email' | 'link';
  @ApiPropertyOptional({
    example: '24h',
    description:
      '0s–72h; default: the application\'s supportResetCoolingOff. The link works only from availableAt; meanwhile the user can cancel the reset from the notice mail, and revokeCredentials "all" waits for the redemption',
  })
  @IsOptional()
  @IsCoolingOff()
  coolingOff?: string;
}

export class RedeemDto {
  @ApiProperty({ description: 'The token from the fragment of an emailed recovery link (#token=…)' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{16,200}$/, { message: 'token must be the token from a recovery link' })
  token: string;
}
