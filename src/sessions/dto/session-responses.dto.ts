import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TokenUserDto {
  @ApiProperty({ example: 'user_42' }) externalUserId: string;
}

/** What a verify step hands the browser: OTP verify, recovery redeem, passkey sign-in, second-factor recovery. */
export class EndUserTokenResponseDto {
  @ApiProperty({ description: 'An ES256 JWT, or an opaque `SANDBOX_SESSION_TOKEN…` for sandbox applications', example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ims…' }) token: string;
  @ApiProperty({ enum: ['session', 'recovery', 'recovery_pending'], description: 'recovery_pending: the user must still present a second factor (POST /v1/recovery/second-factor)' })
  tokenType: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: TokenUserDto }) user: TokenUserDto;
}

export class SessionTokenDto {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ims…' }) token: string;
  @ApiProperty({ enum: ['session'] }) tokenType: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class SessionClaimsDto {
  @ApiProperty({ example: 'http://localhost:3000/apps/app_9f2c…', description: '`<PUBLIC_URL>/apps/<appId>`' }) iss: string;
  @ApiProperty({ example: 'cli_4d1e…', description: "The application's client id" }) aud: string;
  @ApiProperty({ example: 'user_42', description: 'The externalUserId' }) sub: string;
  @ApiProperty({ enum: ['session', 'recovery', 'enrollment', 'recovery_pending'] }) scope: string;
  @ApiProperty({ type: [String], example: ['email_otp'], description: 'How the user proved themselves: email_otp, passkey, recovery_link, app_backend, totp, recovery_code' }) amr: string[];
  @ApiProperty({ format: 'uuid' }) jti: string;
  @ApiProperty({ example: 1767225600 }) iat: number;
  @ApiProperty({ example: 1767229200 }) exp: number;
  @ApiProperty({ enum: ['sandbox', 'production'] }) mode: string;
  @ApiPropertyOptional({ enum: [true], description: 'Set on a session that a completed recovery produced' }) recovered?: boolean;
}

export class VerifySessionResponseDto {
  @ApiProperty({ enum: [true] }) valid: boolean;
  @ApiProperty({ type: SessionClaimsDto }) claims: SessionClaimsDto;
}

export class JwkDto {
  @ApiProperty({ example: 'EC' }) kty: string;
  @ApiProperty({ example: 'P-256' }) crv: string;
  @ApiProperty() x: string;
  @ApiProperty() y: string;
  @ApiProperty() kid: string;
  @ApiProperty({ example: 'ES256' }) alg: string;
  @ApiProperty({ example: 'sig' }) use: string;
}

export class JwksResponseDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}
