import { randomBytes } from 'node:crypto';
import { Secrets } from '../config/secrets';
import { RandomPool } from './random';

describe('RandomPool', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands every byte out once, drawing from the CSPRNG a block at a time', () => {
    const draws: number[] = [];
    const pool = new RandomPool((n) => (draws.push(n), randomBytes(n)));
    const slices = Array.from({ length: 1000 }, () => pool.take(12));
    expect(draws).toEqual([4096, 4096, 4096]); // 12 000 bytes; a slice never straddles two blocks
    expect(new Set(slices.map((s) => s.toString('hex'))).size).toBe(1000);
    expect(slices.every((s) => s.length === 12)).toBe(true);
  });

  it('never changes a slice it handed out when it draws the next block', () => {
    const pool = new RandomPool();
    const first = pool.take(12);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1000; i++) pool.take(12);
    expect(first.equals(copy)).toBe(true);
  });

  it('gives a request larger than a block its own draw', () => {
    const draws: number[] = [];
    expect(new RandomPool((n) => (draws.push(n), randomBytes(n))).take(5000)).toHaveLength(5000);
    expect(draws).toEqual([5000]);
  });

  it('is where each encrypted payload gets its nonce', () => {
    const s = new Secrets('k'.repeat(40));
    const take = jest.spyOn(RandomPool.prototype, 'take');
    const blobs = Array.from({ length: 500 }, () => s.encrypt('{"code":"123456"}'));
    expect(take).toHaveBeenCalledTimes(500);
    expect(take.mock.calls.every(([n]) => n === 12)).toBe(true);
    expect(new Set(blobs.map((b) => b.subarray(0, 12).toString('hex'))).size).toBe(500);
    expect(blobs.every((b) => s.decrypt(b) === '{"code":"123456"}')).toBe(true);
  });
});
