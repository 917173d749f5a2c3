import { withTimeout } from '../common/with-timeout';

/** Whether a BullMQ connection can be used right now; one that never connected counts as down. */
export function redisReady(client: Promise<{ status: string }>, waitMs = 250): Promise<boolean> {
  return withTimeout(client, waitMs).then(
    (found) => found.status === 'ready',
    () => false,
  );
}

/** True when `p` settles (either way) within `ms`; it is left running otherwise. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = p.then(
    () => undefined,
    () => undefined,
  );
  return withTimeout(settled, ms).then(
    () => true,
    () => false,
  );
}
