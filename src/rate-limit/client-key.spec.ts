import { clientKey } from './api-throttler.guard';
import { jitteredBackoff, permanentSmtpRefusal } from '../mail/mail.constants';

describe('clientKey', () => {
  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('mail retry policy', () => {
  it('spreads retries between half and all of the doubling delay', () => {
    const job = { opts: { backoff: { delay: 1000 } } };
    const third = Array.from({ length: 200 }, () => jitteredBackoff(3, 'jittered', undefined, job));
    expect(Math.min(...third)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...third)).toBeLessThanOrEqual(4000);
    expect(new Set(third).size).toBeGreaterThan(50);
  });

  it('treats only 5xx SMTP replies as permanent', () => {
    expect(permanentSmtpRefusal(Object.assign(new Error('x'), { responseCode: 550 }))).toBe(true);
    expect(permanentSmtpRefusal(Object.assign(new Error('x'), { responseCode: 421 }))).toBe(false);
    expect(permanentSmtpRefusal(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
  });
});
