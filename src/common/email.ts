/** The form an address is matched in: trim, NFKC, lowercase (a `+tag` is kept: it may be another mailbox). */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** Only keys the per-email send limit: the normalized address with its `+tag` removed. */
export function canonicalEmail(email: string): string {
  const normalized = normalizeEmail(email);
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
