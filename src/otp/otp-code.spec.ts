import { generateCode } from './otp-code';

describe('generateCode', () => {
  it('has the requested length and only digits', () => {
    for (const len of [6, 7, 8]) {
      for (let i = 0; i < 200; i++) expect(generateCode(len)).toMatch(new RegExp(`^\\d{${len}}$`));
    }
  });

  it('spreads over the whole range, leading zeros included', () => {
    const first = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const d = generateCode(6)[0];
      first.set(d, (first.get(d) ?? 0) + 1);
    }
    expect(first.size).toBe(10);
    for (const n of first.values()) expect(n).toBeGreaterThan(350); // ~500 each
  });
});
