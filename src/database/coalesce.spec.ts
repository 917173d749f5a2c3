import { coalesce } from './coalesce';

/** A `run` whose batches the test releases one by one. */
function gatedRun() {
  const batches: string[][] = [];
  const gates: { release: () => void; fail: (err: Error) => void }[] = [];
  const run = (keys: readonly string[]) => {
    batches.push([...keys]);
    return new Promise<(string | Error)[]>((resolve, reject) => {
      gates.push({ release: () => resolve(keys.map((k) => (k.startsWith('bad') ? new Error(`no ${k}`) : k.toUpperCase()))), fail: reject });
    });
  };
  return { run, batches, gates };
}

// Two turns: the batch is scheduled after a promise turn and an immediate.
const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('coalesce', () => {
  it('sends a lone key at once, alone', async () => {
    const { run, batches, gates } = gatedRun();
    const load = coalesce(run);
    const a = load('a');
    await settle();
    expect(batches).toEqual([['a']]);
    gates[0].release();
    await expect(a).resolves.toBe('A');
  });

  it('holds the keys that come while a batch is in flight and sends them as one batch when it returns', async () => {
    const { run, batches, gates } = gatedRun();
    const load = coalesce(run);
    const first = load('a');
    await settle();
    const rest = ['b', 'c', 'd'].map(load);
    await settle();
    expect(batches).toEqual([['a']]); // nothing more goes out while 'a' is in flight
    gates[0].release();
    await expect(first).resolves.toBe('A');
    await settle();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    gates[1].release();
    await expect(Promise.all(rest)).resolves.toEqual(['B', 'C', 'D']);
  });

  it('fails the keys of a failed batch only, and goes on with the next', async () => {
    const { run, batches, gates } = gatedRun();
    const load = coalesce(run);
    const first = load('a');
    await settle();
    const second = load('b');
    gates[0].fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    expect(batches).toEqual([['a'], ['b']]);
    gates[1].release();
    await expect(second).resolves.toBe('B');
  });

  it('rejects a key its batch answered with an Error, and resolves the others', async () => {
    const { run, gates } = gatedRun();
    const load = coalesce(run);
    const [good, bad] = [load('a'), load('bad-b')];
    await settle();
    gates[0].release();
    await expect(good).resolves.toBe('A');
    await expect(bad).rejects.toThrow('no bad-b');
  });

  it('splits a batch at its maximum size', async () => {
    const { run, batches, gates } = gatedRun();
    const load = coalesce(run, 2);
    const all = ['a', 'b', 'c'].map(load);
    await settle();
    await settle();
    gates.forEach((g) => g.release());
    await settle();
    gates.forEach((g) => g.release());
    await expect(Promise.all(all)).resolves.toEqual(['A', 'B', 'C']);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });
});
