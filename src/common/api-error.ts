export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_code: 400,
  session_expired: 400,
  invalid_client: 401,
  invalid_api_key: 401,
  invalid_token: 401,
  admin_unauthorized: 401,
  origin_not_allowed: 403,
  insufficient_scope: 403,
  not_found: 404,
  credential_not_found: 404,
  user_not_found: 404,
  challenge_not_found: 404,
  application_not_found: 404,
  conflict: 409,
  recovery_pending: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  webauthn_verification_failed: 422,
  too_many_attempts: 429,
  rate_limit_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A domain error with a SPEC §2 code; the filter turns it into `{code, message, ...details}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string | number> = {},
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class ServiceUnavailableError extends ApiError {
  constructor(cause?: unknown) {
    super('service_unavailable', 'A backing service is unavailable; try again shortly.');
    this.cause = cause;
  }
}
