import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FieldProblem' })
export class FieldProblemDto {
  @ApiProperty({ example: 'email' }) field: string;
  @ApiProperty({ example: 'email must be an email' }) problem: string;
}

/** SPEC §2: every error is `{code, message, ...details}`; the optional fields are the details some codes carry. */
@ApiSchema({ name: 'ErrorBody', description: 'SPEC §2 error body: `code` and `message`, plus the details some codes carry (more may be added)' })
export class ErrorBodyDto {
  @ApiProperty({ example: 'invalid_request', description: 'snake_case error code (SPEC §2)' }) code: string;
  @ApiProperty({ example: 'The request is not valid.', description: 'Human text; do not parse it' }) message: string;
  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'invalid_request: what failed validation' }) details?: FieldProblemDto[];
  @ApiPropertyOptional({ example: 4, description: 'invalid_code: attempts left on the challenge' }) attemptsRemaining?: number;
  @ApiPropertyOptional({ enum: ['expired', 'used', 'superseded', 'revoked'], description: 'session_expired / invalid_token: why' }) reason?: string;
  @ApiPropertyOptional({ description: 'credential_not_found (passkey sign-in): the base64url id to pass to PublicKeyCredential.signalUnknownCredential' })
  credentialId?: string;
  @ApiPropertyOptional({ example: 60, description: 'rate_limit_exceeded: seconds until a retry can succeed (also the Retry-After header)' }) retryAfter?: number;
  @ApiPropertyOptional({ example: 'otp_per_email', description: 'rate_limit_exceeded: which limit was hit' }) limit?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'internal_error: also written to the service log' }) errorId?: string;
}
