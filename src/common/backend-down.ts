const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
const MESSAGES = [
  'Connection terminated',
  'connect ECONNREFUSED',
  'timeout exceeded when trying to connect',
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Redis is not ready',
  'the database system is',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

let lastSeenDown = 0;

/** When a request last failed for want of PostgreSQL or Redis (readiness re-checks after that). */
export function backendLastSeenDown(): number {
  return lastSeenDown;
}

export function noteBackendDown(): void {
  lastSeenDown = Date.now();
}

/**
 * True for errors that mean PostgreSQL or Redis cannot be reached: the request fails closed with 503.
 * An error the HTTP layer has already marked as the client's (a 4xx `statusCode`) never is, even
 * with a network code: Node reports a request body cut short by its client as ECONNRESET.
 */
export function isBackendDown(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return false;
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: string }).code;
    const msg = (e as { message?: string }).message ?? '';
    if (code && NETWORK_CODES.has(code)) return true;
    if (MESSAGES.some((m) => msg.includes(m))) return true;
    if ((e as { name?: string }).name === 'MaxRetriesPerRequestError') return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** "DATABASE_URL: cannot reach 10.0.0.5:5432 (ECONNREFUSED)": the setting and the address, never the credentials. */
export function describeUnreachable(variable: string, url: string, err: unknown): string {
  let address = '?';
  try {
    const u = new URL(url);
    address = `${u.hostname}:${u.port || (u.protocol.startsWith('postgres') ? 5432 : u.protocol.startsWith('redis') ? 6379 : '')}`;
  } catch {
    // unparsable URLs are refused by the configuration already
  }
  const e = err as { code?: string; message?: string };
  return `${variable}: cannot reach ${address} (${e?.code ?? e?.message ?? String(err)})`;
}

/** Start-up could not reach a backing service; main prints the message alone. */
export class UnreachableError extends Error {}
