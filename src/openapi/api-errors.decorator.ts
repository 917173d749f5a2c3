import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from '../common/api-error';
import { ErrorBodyDto } from './error-body.dto';

/** One example body per code, as the service sends it. */
const EXAMPLES: Partial<Record<ErrorCode, Record<string, unknown>>> = {
  invalid_request: { message: 'The request is not valid.', details: [{ field: 'email', problem: 'email must be an email' }] },
  invalid_code: { message: 'The code is not correct.', attemptsRemaining: 4 },
  session_expired: { message: 'The challenge has expired.', reason: 'expired' },
  invalid_client: { message: 'Unknown client id.' },
  invalid_api_key: { message: 'The secret key is not valid.' },
  invalid_token: { message: 'The token is not valid for this application.' },
  admin_unauthorized: { message: 'The admin token is not valid.' },
  origin_not_allowed: { message: 'This origin is not allowed for the application.' },
  insufficient_scope: { message: 'The token does not allow this action.' },
  credential_not_found: { message: 'This passkey is not known or was revoked.', credentialId: 'mQ4t3T1Pk2l0yJbQ9z8xVA' },
  user_not_found: { message: 'No such user.' },
  challenge_not_found: { message: 'No such challenge.' },
  application_not_found: { message: 'No such application.' },
  not_found: { message: 'Not found.' },
  conflict: { message: 'The request conflicts with the current state.' },
  recovery_pending: { message: 'A recovery is pending for this user.' },
  payload_too_large: { message: 'The request body is larger than 16 KiB.' },
  unsupported_media_type: { message: 'Send the body as application/json.' },
  webauthn_verification_failed: { message: 'The passkey response did not verify.' },
  too_many_attempts: { message: 'Too many wrong codes; request a new one.' },
  rate_limit_exceeded: { message: 'Too many requests; slow down.', limit: 'api_per_ip', retryAfter: 30 },
  service_unavailable: { message: 'A backing service is unavailable; try again shortly.' },
  internal_error: { message: 'Something went wrong on our side.', errorId: '7b1f4c1e-2a8e-4a59-9a53-3c1f0c6b2d10' },
};

/** Every route can fail closed when PostgreSQL or Redis is down, and with an unexpected error. */
const ALWAYS: ErrorCode[] = ['service_unavailable', 'internal_error'];

/**
 * The SPEC §2 error responses an operation can give, by code: `@ApiErrors('invalid_request', 'invalid_client')`.
 * Codes are grouped by status into one response each, with an example per code and the shared `ErrorBody` schema.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...new Set([...codes, ...ALWAYS])]) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(
    ApiExtraModels(ErrorBodyDto),
    ...[...byStatus.entries()].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `\`${c}\``).join(', '),
        schema: { $ref: getSchemaPath(ErrorBodyDto) },
        examples: Object.fromEntries(list.map((code) => [code, { summary: code, value: { code, ...EXAMPLES[code] } }])),
      }),
    ),
  );
}

/** What any browser route can answer before it runs: bad input, unknown client id, a refused Origin, a rate limit. */
export const CLIENT_ERRORS: ErrorCode[] = ['invalid_request', 'invalid_client', 'origin_not_allowed', 'payload_too_large', 'rate_limit_exceeded'];
/** A browser route that also takes an end-user token. */
export const END_USER_ERRORS: ErrorCode[] = [...CLIENT_ERRORS, 'invalid_token', 'insufficient_scope', 'session_expired'];
/** An app-backend route (secret key). */
export const SECRET_KEY_ERRORS: ErrorCode[] = ['invalid_request', 'invalid_api_key', 'payload_too_large', 'rate_limit_exceeded'];
/** An operator route (admin token). */
export const ADMIN_ERRORS: ErrorCode[] = ['invalid_request', 'admin_unauthorized', 'payload_too_large', 'rate_limit_exceeded'];
