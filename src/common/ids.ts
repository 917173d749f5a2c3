import { randomBytes } from 'node:crypto';

/** Prefixed random identifiers and secrets (`app_…`, `cli_…`, `sk_…`), 128+ bits from the CSPRNG. */
export function randomId(prefix: string, bytes = 16): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
