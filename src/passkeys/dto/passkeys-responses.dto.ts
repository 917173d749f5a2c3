import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SessionTokenDto } from '../../sessions/dto/session-responses.dto';

export class CredentialDto {
  @ApiProperty({ description: 'base64url credential id', example: 'mQ4t3T1Pk2l0yJbQ9z8xVA' }) id: string;
  @ApiProperty({ example: 'Work laptop' }) label: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ enum: ['singleDevice', 'multiDevice'] }) deviceType: string;
  @ApiProperty() backedUp: boolean;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports: string[];
  @ApiProperty({ format: 'uuid' }) aaguid: string;
  @ApiProperty({ enum: ['active', 'revoked'] }) status: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
}

export class CredentialListResponseDto {
  @ApiProperty({ type: [CredentialDto] }) credentials: CredentialDto[];
}

export class CeremonyResponseDto {
  @ApiProperty({ format: 'uuid' }) ceremonyId: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialCreationOptionsJSON (register) or PublicKeyCredentialRequestOptionsJSON (auth), for @simplewebauthn/browser',
  })
  options: Record<string, unknown>;
}

export class AcceptedCredentialsSignalDto {
  @ApiProperty({ example: 'myapp.com' }) rpId: string;
  @ApiProperty({ description: 'base64url user handle' }) userId: string;
  @ApiProperty({ type: [String] }) allAcceptedCredentialIds: string[];
}

export class RegisterFinishResponseDto {
  @ApiProperty({ type: CredentialDto }) credential: CredentialDto;
  @ApiProperty({ type: SessionTokenDto }) session: SessionTokenDto;
  @ApiProperty({ type: [String], description: 'Passkeys this registration revoked (recovery token only)' }) revokedCredentialIds: string[];
  @ApiPropertyOptional({ type: AcceptedCredentialsSignalDto, description: 'Arguments for PublicKeyCredential.signalAllAcceptedCredentials' }) signal?: AcceptedCredentialsSignalDto;
}

export class EnrollmentResponseDto {
  @ApiProperty({ description: 'Enrollment token for POST /v1/passkeys/register/start and /finish' }) token: string;
  @ApiProperty({ enum: ['enrollment'] }) tokenType: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}
