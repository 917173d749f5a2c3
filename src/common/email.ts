/** Canonical form used for lookups and rate-limit keys: trim, NFKC, lowercase, `+tag` removed. */
export function canonicalEmail(email: string): string {
  const normalized = email.trim().normalize('NFKC').toLowerCase();
  const at = normalized.lastIndexOf('@');
  if (at < 1) return normalized;
  const local = normalized.slice(0, at).split('+')[0];
  return `${local}@${normalized.slice(at + 1)}`;
}

/** For logs: never a full address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***@${email.slice(at + 1)}`;
}

/** class-transformer hook: surrounding white space is not part of an address. */
export const trimString = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
