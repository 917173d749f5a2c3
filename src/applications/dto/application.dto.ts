import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Max, Min, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { LOCALES } from '../../common/locales';

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
  @ApiProperty({ example: 'no-reply@myapp.com' }) @IsEmail() mailFrom: string;
  @ApiPropertyOptional({ enum: LOCALES }) @IsOptional() @IsIn(LOCALES) locale?: string;
  @ApiPropertyOptional({ minimum: 6, maximum: 8 }) @IsOptional() @IsInt() @Min(6) @Max(8) otpLength?: number;
}

export class UpdateApplicationDto extends PartialType(CreateApplicationDto) {
  @ApiPropertyOptional({ description: 'Issue a new secret key (returned once); the old one stops working.' })
  @IsOptional()
  @IsBoolean()
  rotateSecretKey?: boolean;
}
