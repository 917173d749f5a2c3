/** Whether a BullMQ connection can be used right now; one that never connected counts as down. */
export async function redisReady(client: Promise<{ status: string }>, waitMs = 250): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
  const found = await Promise.race([client.catch(() => null), late]);
  clearTimeout(timer);
  return found?.status === 'ready';
}

/** True when `p` settles (either way) within `ms`; it is left running otherwise. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = p.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, late]);
  clearTimeout(timer);
  return result;
}
