import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CredentialDto } from '../../passkeys/dto/passkeys-responses.dto';
import { SecondFactorStatusDto } from '../../second-factor/dto/second-factor-responses.dto';

export class UserDto {
  @ApiProperty({ example: 'user_42' }) externalUserId: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ nullable: true, type: String, example: 'en' }) locale: string | null;
  @ApiProperty({ description: 'Set by a "This wasn\'t me" report until the app backend unlocks the user' }) recoveryLocked: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Tokens issued before this instant are refused' }) sessionsValidAfter: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class UserWithPasskeysDto extends UserDto {
  @ApiProperty({ type: [CredentialDto] }) passkeys: CredentialDto[];
  @ApiPropertyOptional({ type: SecondFactorStatusDto }) secondFactor?: SecondFactorStatusDto;
}

export class UnlockResponseDto {
  @ApiProperty({ example: 'user_42' }) externalUserId: string;
  @ApiProperty({ enum: [false] }) recoveryLocked: boolean;
}

export class RevokeSessionsResponseDto {
  @ApiProperty({ example: 'user_42' }) externalUserId: string;
  @ApiProperty({ format: 'date-time' }) sessionsValidAfter: string;
}
