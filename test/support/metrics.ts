import request from 'supertest';
import { Service } from './service';

/** One sample of the Prometheus text format, e.g. value(text, 'mellon_otp_verify_total', { result: 'verified' }); 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

export interface Metrics {
  text: string;
  value: (name: string, labels?: Record<string, string>) => number;
}

/** Reads the instance's /metrics (on its metrics port); `.value(name, labels)` picks one sample. */
export async function scrape(svc: Service): Promise<Metrics> {
  const res = await request(svc.metricsUrl).get('/metrics');
  if (res.status !== 200) throw new Error(`metrics: ${res.status}`);
  return { text: res.text, value: (name, labels) => metricValue(res.text, name, labels) };
}
