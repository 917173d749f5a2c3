import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Max, Min, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { LOCALES } from '../../common/locales';
import { RECOVERY_POLICIES, RecoveryPolicy } from '../application.model';
import { IsCoolingOff } from '../cooling-off';
import { IsMailbox } from '../../mail/mailbox';

@ValidatorConstraint({ name: 'exactOrigin' })
export class ExactOriginConstraint implements ValidatorConstraintInterface {
  validate(values: unknown): boolean {
    if (!Array.isArray(values)) return false;
    return values.every((v) => {
      if (typeof v !== 'string') return false;
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v;
      } catch {
        return false;
      }
    });
  }
  defaultMessage(): string {
    return 'each origin must be exact, like https://myapp.com or http://localhost:5173 (scheme, host, port; no path or trailing slash)';
  }
}

export class CreateApplicationDto {
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty({ enum: ['sandbox', 'production'] }) @IsIn(['sandbox', 'production']) mode: 'sandbox' | 'production';
  @ApiProperty({ type: [String], example: ['https://myapp.com'] })
  @IsArray()
  @ArrayMaxSize(50)
  @Validate(ExactOriginConstraint)
  allowedOrigins: string[];
  @ApiProperty({ example: 'myapp.com' }) @IsString() @Length(1, 253) rpId: string;
  @ApiProperty() @IsString() @Length(1, 200) rpName: string;
  @ApiProperty({ example: 'https://myapp.com/recover' })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  recoveryUrl: string;
  @ApiProperty({ example: 'My App <no-reply@myapp.com>', description: 'The From of every mail: an address, optionally with a sender name (`Name <address>`)' })
  @IsMailbox()
  mailFrom: string;
  @ApiPropertyOptional({ enum: LOCALES }) @IsOptional() @IsIn(LOCALES) locale?: string;
  @ApiPropertyOptional({ minimum: 6, maximum: 8 }) @IsOptional() @IsInt() @Min(6) @Max(8) otpLength?: number;
  @ApiPropertyOptional({
    example: '24h',
    default: '0s',
    description: 'Default cooling-off of support resets (0s–72h): the recovery link works only after it, and the user can cancel the reset meanwhile',
  })
  @IsOptional()
  @IsCoolingOff()
  supportResetCoolingOff?: string;
  @ApiPropertyOptional({
    enum: RECOVERY_POLICIES,
    default: 'email',
    description: 'email+second_factor: a user who has an authenticator app or recovery codes must also present one of them to recover by email (SPEC §9.4)',
  })
  @IsOptional()
  @IsIn(RECOVERY_POLICIES)
  recoveryPolicy?: RecoveryPolicy;
}

export class UpdateApplicationDto extends PartialType(CreateApplicationDto) {
  @ApiPropertyOptional({ description: 'Issue a new secret key (returned once); the old one stops working.' })
  @IsOptional()
  @IsBoolean()
  rotateSecretKey?: boolean;
}
