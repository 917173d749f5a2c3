import { Transform } from 'class-transformer';
import { trimString } from '../../common/email';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, isEmail, isIn, IsOptional, IsUUID, isUUID, Length, length, Matches, matches } from 'class-validator';
import { onlyKeys, registerFastCheck } from '../../common/validation.pipe';
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

/** An emailed code: 6 to 8 digits (the application's otpLength). */
const OTP_CODE = /^\d{6,8}$/;

export class VerifyOtpDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all') challengeId: string;
  @ApiProperty({ example: '123456' }) @Matches(OTP_CODE, { message: 'code must be 6 to 8 digits' }) code: string;
}

// The hot routes skip class-validator's metadata walk when the body is certainly valid (same validator functions).
const absent = (v: unknown) => v === undefined || v === null;
const START_KEYS = new Set(['email', 'externalUserId', 'purpose', 'locale']);
registerFastCheck(StartOtpDto, (b) => {
  const email = trimString({ value: b.email });
  if (!onlyKeys(b, START_KEYS) || !isEmail(email) || !length(email, 3, 254)) return null;
  if (!absent(b.externalUserId) && !matches(b.externalUserId as string, EXTERNAL_USER_ID)) return null;
  if (!absent(b.purpose) && !isIn(b.purpose, PURPOSES as unknown as unknown[])) return null;
  if (!absent(b.locale) && !isIn(b.locale, LOCALES as unknown as unknown[])) return null;
  return Object.assign(new StartOtpDto(), b, { email });
});
const VERIFY_KEYS = new Set(['challengeId', 'code']);
registerFastCheck(VerifyOtpDto, (b) => (onlyKeys(b, VERIFY_KEYS) && isUUID(b.challengeId, 'all') && matches(b.code as string, OTP_CODE) ? Object.assign(new VerifyOtpDto(), b) : null));
