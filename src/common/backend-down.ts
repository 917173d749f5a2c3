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

/** True for errors that mean PostgreSQL or Redis cannot be reached: the request fails closed with 503. */
export function isBackendDown(err: unknown): boolean {
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
