/** Releases every waiter at once, so concurrent requests really race. */
export function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return async () => {
    arrived += 1;
    if (arrived === n) release();
    await gate;
  };
}
