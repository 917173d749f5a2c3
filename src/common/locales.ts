export const LOCALES = ['en', 'es', 'fr', 'de', 'pt'] as const;
export type Locale = (typeof LOCALES)[number];

/** The supported locale a tag names ('pt-BR' → 'pt'), or null. */
export function supportedLocale(tag: string | null | undefined): Locale | null {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return base && (LOCALES as readonly string[]).includes(base) ? (base as Locale) : null;
}

export function pickLocale(...candidates: (string | null | undefined)[]): Locale {
  for (const c of candidates) {
    const locale = supportedLocale(c);
    if (locale) return locale;
  }
  return 'en';
}
