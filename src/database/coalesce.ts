import DataLoader from 'dataloader';

/**
 * One statement for many callers: `load(key)` joins the batch that goes out next, and a batch goes
 * out only when the previous one has come back. Idle, a key goes out alone at once (after the
 * current I/O phase, so callers woken together share it); under load, keys that arrive while a
 * statement is in flight wait for it and then go out together, so the statements per key fall as
 * the load rises. `run` gets the batch's keys in order and returns one result per key, or an
 * Error for that key; a rejected `run` rejects every key of its batch.
 */
export function coalesce<K, V>(run: (keys: readonly K[]) => Promise<(V | Error)[]>, maxBatch = 100): (key: K) => Promise<V> {
  let inFlight: Promise<unknown> = Promise.resolve();
  const loader = new DataLoader<K, V>(
    (keys) => {
      const batch = run(keys);
      inFlight = batch.catch(() => undefined);
      return batch;
    },
    { cache: false, maxBatchSize: maxBatch, batchScheduleFn: (dispatch) => void inFlight.then(() => setImmediate(dispatch)) },
  );
  return (key) => loader.load(key);
}
