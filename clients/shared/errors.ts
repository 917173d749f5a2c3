/** Any failure of a Mellon Recovery client: the service's SPEC §2 error, a network failure, or a token that does not verify. */
export class MellonError extends Error {
  override readonly name = 'MellonError';
  /** The service's snake_case code (`invalid_code`, `rate_limit_exceeded`, …), or `network_error` / `unexpected_response` from the client. */
  readonly code: string;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The rest of the error body: `attemptsRemaining`, `reason`, `credentialId`, `details`, `retryAfter`, … */
  readonly details: Record<string, unknown>;
  /** From a `Retry-After` header: how long the service asked to wait. */
  readonly retryAfterMs?: number;

  constructor(code: string, details: Record<string, unknown> = {}, opts: { status?: number; message?: string; cause?: unknown; retryAfterMs?: number } = {}) {
    super(opts.message ?? (typeof details.message === 'string' ? details.message : code), opts.cause === undefined ? undefined : { cause: opts.cause });
    const { message: _message, code: _code, ...rest } = details;
    this.code = code;
    this.status = opts.status ?? 0;
    this.details = rest;
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** `reason` of `session_expired` / `invalid_token` errors (`expired`, `used`, `superseded`, `revoked`, …). */
  get reason(): string | undefined {
    return typeof this.details.reason === 'string' ? this.details.reason : undefined;
  }
}
