import { Locale, LOCALES } from './locales';

const MAX_RANGES = 32;
const RANGE = /^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*)?$/;

/**
 * The supported locale a browser prefers, from its `Accept-Language` header (RFC 9110 §12.5.4):
 * ranges by descending q (ties in header order), `q=0` and `*` never chosen, a region ignored
 * (`es-ES` → `es`). Undefined when none is supported or the header is absent or malformed.
 */
export function localeFromAcceptLanguage(header: string | string[] | undefined): Locale | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  const ranges: { base: string; q: number; order: number }[] = [];
  for (const [order, part] of value.split(',').slice(0, MAX_RANGES).entries()) {
    const m = RANGE.exec(part);
    if (!m || m[1] === '*') continue;
    const q = m[2] === undefined ? 1 : Number(m[2]);
    if (q > 0 && q <= 1) ranges.push({ base: m[1].split('-')[0].toLowerCase(), q, order });
  }
  ranges.sort((a, b) => b.q - a.q || a.order - b.order);
  return ranges.find((r) => (LOCALES as readonly string[]).includes(r.base))?.base as Locale | undefined;
}
