import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Length, Matches, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { trimString } from '../../common/email';
import { EXTERNAL_USER_ID } from '../../users/dto/user.dto';

export const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1400}$/;
/** No control characters (C0, DEL, C1), no line or paragraph separators, no bidi overrides. */
export const PRINTABLE_LINE = /^[^\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+$/u;

@ValidatorConstraint({ name: 'revokeSelection' })
export class RevokeSelectionConstraint implements ValidatorConstraintInterface {
  validate(v: unknown): boolean {
    if (v === 'all_others') return true;
    return Array.isArray(v) && v.length <= 100 && v.every((id) => typeof id === 'string' && CREDENTIAL_ID.test(id));
  }
  defaultMessage(): string {
    return 'revokeCredentialIds must be "all_others" or an array of up to 100 credential ids';
  }
}

export class RegisterFinishDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all') ceremonyId: string;
  @ApiProperty({ description: 'RegistrationResponseJSON from navigator.credentials.create (e.g. @simplewebauthn/browser startRegistration)' })
  @IsObject()
  response: Record<string, unknown>;
  @ApiPropertyOptional({ example: 'Work laptop', maxLength: 64, description: 'One printable line of at most 64 characters' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @Length(1, 64)
  @Matches(PRINTABLE_LINE, { message: 'label must be one printable line (no control or line-break characters)' })
  label?: string;
  @ApiPropertyOptional({
    description: 'Only with a recovery token: credential ids to revoke, or "all_others"',
    oneOf: [
      { type: 'array', items: { type: 'string' } },
      { type: 'string', enum: ['all_others'] },
    ],
  })
  @IsOptional()
  @Validate(RevokeSelectionConstraint)
  revokeCredentialIds?: string[] | 'all_others';
}

export class AuthStartDto {
  @ApiPropertyOptional({ example: 'user_42', description: 'Omit for discoverable credentials (passkey autofill)' })
  @IsOptional()
  @Matches(EXTERNAL_USER_ID, { message: 'externalUserId must be 1-128 characters of letters, digits and ._:@|+-' })
  externalUserId?: string;
}

export class AuthFinishDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all') ceremonyId: string;
  @ApiProperty({ description: 'AuthenticationResponseJSON from navigator.credentials.get (e.g. @simplewebauthn/browser startAuthentication)' })
  @IsObject()
  response: Record<string, unknown>;
}

export class CredentialParam {
  @ApiProperty({ example: 'user_42' })
  @Matches(EXTERNAL_USER_ID, { message: 'externalUserId must be 1-128 characters of letters, digits and ._:@|+-' })
  externalUserId: string;
  @ApiProperty({ description: 'base64url credential id' })
  @Matches(CREDENTIAL_ID, { message: 'credentialId must be a base64url credential id' })
  credentialId: string;
}
