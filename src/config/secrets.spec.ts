import { safeEqual, Secrets } from './secrets';

describe('Secrets', () => {
  const s = new Secrets('k'.repeat(40));

  it('binds a code hash to its challenge', () => {
    expect(safeEqual(s.hashCode('c1', '123456'), s.hashCode('c1', '123456'))).toBe(true);
    expect(safeEqual(s.hashCode('c1', '123456'), s.hashCode('c2', '123456'))).toBe(false);
    expect(s.hashCode('c1', '123456').toString('hex')).not.toContain('123456');
  });

  it('uses different keys per secret', () => {
    const other = new Secrets('z'.repeat(40));
    expect(s.hashToken('t').equals(other.hashToken('t'))).toBe(false);
  });

  it('round-trips encrypted payloads and detects tampering', () => {
    const blob = s.encrypt('{"code":"123456"}');
    expect(blob.toString('latin1')).not.toContain('123456');
    expect(s.decrypt(blob)).toBe('{"code":"123456"}');
    blob[blob.length - 1] ^= 1;
    expect(() => s.decrypt(blob)).toThrow();
  });

  it('compares in constant time and refuses different lengths', () => {
    expect(safeEqual(Buffer.from('ab'), Buffer.from('abc'))).toBe(false);
  });
});
