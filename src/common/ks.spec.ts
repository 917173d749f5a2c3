import { kolmogorovSmirnov } from '../../bench/stats';

describe('bench Kolmogorov–Smirnov test', () => {
  const sample = (n: number, shift: number, seed: number) => {
    let x = seed;
    return Array.from({ length: n }, () => ((x = (x * 16807) % 2147483647) / 2147483647) * 2 + shift).sort((a, b) => a - b);
  };

  it('finds no difference between samples of one distribution', () => {
    expect(kolmogorovSmirnov(sample(300, 5, 1), sample(300, 5, 7)).p).toBeGreaterThan(0.01);
  });

  it('finds a 0.5 ms shift', () => {
    const r = kolmogorovSmirnov(sample(300, 5, 1), sample(300, 5.5, 7));
    expect(r.p).toBeLessThan(0.01);
    expect(r.d).toBeGreaterThan(0.2);
  });
});
