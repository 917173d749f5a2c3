import { MellonError } from './errors';

export interface RetryOptions {
  /** Give up (throw the last error) when the next wait would exceed this; default 10 000 ms. */
  maxRetryWaitMs?: number;
  /** Retries after the first attempt; default 4. */
  maxRetries?: number;
  /** First backoff step; default 250 ms (doubled each retry, with jitter). */
  baseDelayMs?: number;
}

export interface TransportOptions extends RetryOptions {
  baseUrl: string;
  /** Headers on every request (client id or secret key). */
  headers: Record<string, string>;
  /** Defaults to the global fetch, looked up on each call so a page can wrap it. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** An end-user bearer token. */
  token?: string;
  query?: Record<string, string | number | undefined>;
  /**
   * The request may spend a one-time code, link or ceremony (verify, redeem, register/finish, …):
   * it is sent exactly once, whatever happens; a failure is thrown to the caller.
   */
  once?: boolean;
}

const RETRYABLE_STATUS = new Set([429, 503]);
/** 429s that are not a transient limit: the challenge is locked, retrying cannot help. */
const FINAL_CODES = new Set(['too_many_attempts']);

/** Seconds or an HTTP date → milliseconds from now. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** JSON over fetch with SPEC §2 errors as MellonError, and retries of refused (429/503) or unreachable requests. */
export class Transport {
  private readonly baseUrl: string;
  private readonly maxRetryWaitMs: number;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;

  constructor(private readonly opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 10_000;
    this.maxRetries = opts.maxRetries ?? 4;
    this.baseDelayMs = opts.baseDelayMs ?? 250;
  }

  async call<T>(c: CallOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let error: MellonError;
      try {
        return await this.once<T>(c);
      } catch (err) {
        if (!(err instanceof MellonError)) throw err;
        error = err;
      }
      const retryable = error.status === 0 ? true : RETRYABLE_STATUS.has(error.status) && !FINAL_CODES.has(error.code);
      if (c.once || !retryable || attempt >= this.maxRetries) throw error;
      const backoff = this.baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
      const delay = Math.max(error.retryAfterMs ?? 0, backoff);
      if (delay > this.maxRetryWaitMs) throw error;
      await sleep(delay);
    }
  }

  private async once<T>(c: CallOptions): Promise<T> {
    const url = new URL(this.baseUrl + c.path);
    for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    if (c.body !== undefined) headers['content-type'] = 'application/json';
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    const doFetch = this.opts.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await doFetch(url.toString(), { method: c.method, headers, body: c.body === undefined ? undefined : JSON.stringify(c.body) });
    } catch (cause) {
      throw new MellonError('network_error', {}, { message: `Could not reach Mellon Recovery at ${this.baseUrl}`, cause });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): reported as unexpected_response below.
    }
    if (res.ok) return body as T;
    const wait = retryAfterMs(res.headers.get('retry-after'));
    const obj = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const code = typeof obj.code === 'string' ? obj.code : res.status === 503 ? 'service_unavailable' : 'unexpected_response';
    throw new MellonError(code, obj, { status: res.status, retryAfterMs: wait });
  }
}

export const enc = encodeURIComponent;
