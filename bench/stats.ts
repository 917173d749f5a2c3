/**
 * Two-sample Kolmogorov–Smirnov test on sorted samples: D is the largest gap between the two
 * empirical distributions, p its asymptotic significance (Kolmogorov distribution). A small p
 * means the two timing distributions differ: an observer could tell known from unknown accounts.
 */
export function kolmogorovSmirnov(a: number[], b: number[]): { d: number; p: number } {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const ne = (a.length * b.length) / (a.length + b.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, p: Math.min(1, Math.max(0, lambda < 0.3 ? 1 : p)) };
}
