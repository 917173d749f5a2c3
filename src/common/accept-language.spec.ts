import { localeFromAcceptLanguage } from './accept-language';

describe('localeFromAcceptLanguage', () => {
  it.each([
    ['es-ES,es;q=0.9', 'es'],
    ['en-US,en;q=0.9,fr;q=0.95', 'en'],
    ['ja,de;q=0.1', 'de'],
    ['fr;q=0,de', 'de'],
    ['es;q=0.5, fr;q=0.5', 'es'],
    ['pt-BR', 'pt'],
    [' EN ', 'en'],
    ['de;q=1.5,es', 'es'],
    ['*', undefined],
    ['ja, zh;q=0.5, *;q=0.1', undefined],
    ['', undefined],
    [undefined, undefined],
    ['garbage;;;,,', undefined],
  ])('%j → %s', (header, locale) => {
    expect(localeFromAcceptLanguage(header)).toBe(locale);
  });

  it('reads only the first 32 ranges', () => {
    expect(localeFromAcceptLanguage([...Array(40).fill('ja'), 'es'].join(','))).toBeUndefined();
  });
});
