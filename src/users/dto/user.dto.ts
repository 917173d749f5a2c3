import { Transform } from 'class-transformer';
import { trimString } from '../../common/email';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { LOCALES } from '../../common/locales';

export const EXTERNAL_USER_ID = /^[A-Za-z0-9._:@|+-]{1,128}$/;

export class PutUserDto {
  @ApiProperty({ example: 'ada@example.com' }) @Transform(trimString) @IsEmail() @Length(3, 254) email: string;
  @ApiPropertyOptional({ enum: LOCALES }) @IsOptional() @IsIn(LOCALES) locale?: string;
}

export class ExternalUserIdParam {
  @ApiProperty({ example: 'user_42' })
  @Matches(EXTERNAL_USER_ID, { message: 'externalUserId must be 1-128 characters of letters, digits and ._:@|+-' })
  externalUserId: string;
}

/** Who asked for an account action and why; both are recorded in the audit log. */
export class AccountActionDto {
  @ApiProperty({ example: 'agent:jane@acme.test' }) @Transform(trimString) @IsString() @Length(1, 200) actor: string;
  @ApiProperty({ example: 'User confirmed by phone that the report was a mistake' }) @Transform(trimString) @IsString() @Length(1, 1000) reason: string;
}
