import { Transform } from 'class-transformer';
import { trimString } from '../../common/email';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsUUID, Length, Matches } from 'class-validator';
import { LOCALES } from '../../common/locales';
import { EXTERNAL_USER_ID } from '../../users/dto/user.dto';

export const PURPOSES = ['login', 'recovery'] as const;
export type Purpose = (typeof PURPOSES)[number];

export class StartOtpDto {
  @ApiProperty({ example: 'ada@example.com' }) @Transform(trimString) @IsEmail() @Length(3, 254) email: string;
  @ApiPropertyOptional({ example: 'user_42' })
  @IsOptional()
  @Matches(EXTERNAL_USER_ID, { message: 'externalUserId must be 1-128 characters of letters, digits and ._:@|+-' })
  externalUserId?: string;
  @ApiPropertyOptional({ enum: PURPOSES, default: 'login' }) @IsOptional() @IsIn(PURPOSES) purpose?: Purpose;
  @ApiPropertyOptional({
    enum: LOCALES,
    description: "The mail's language. Without it: the user's stored locale, then the browser's Accept-Language, then the application's locale.",
  })
  @IsOptional()
  @IsIn(LOCALES)
  locale?: string;
}

export class VerifyOtpDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all') challengeId: string;
  @ApiProperty({ example: '123456' }) @Matches(/^\d{6,8}$/, { message: 'code must be 6 to 8 digits' }) code: string;
}
