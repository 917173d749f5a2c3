import { canonicalEmail, maskEmail } from './email';

describe('canonicalEmail', () => {
  it.each([
    ['Ada@Example.com', 'ada@example.com'],
    ['  ada@example.com  ', 'ada@example.com'],
    ['ada+phone@example.com', 'ada@example.com'],
    ['ADA+a+b@EXAMPLE.COM', 'ada@example.com'],
    ['ａｄａ@example.com', 'ada@example.com'], // full-width letters fold under NFKC
  ])('%s → %s', (input, out) => expect(canonicalEmail(input)).toBe(out));
});

describe('maskEmail', () => {
  it('never returns the full address', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@example.com');
    expect(maskEmail('nonsense')).toBe('***');
  });
});
