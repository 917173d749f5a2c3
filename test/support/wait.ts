export interface WaitOptions {
  /** Give up after this long, failing with the last error `check` threw. */
  timeoutMs?: number;
  /** Pause between two tries. */
  intervalMs?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries `check` until it returns without throwing (use `expect` inside it), then returns its value.
 * Waits on the condition itself, so a test is as fast as the service and fails with a reason.
 */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 50 }: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() + intervalMs > deadline) {
        if (err instanceof Error) err.message = `still failing after ${timeoutMs} ms: ${err.message}`;
        throw err;
      }
    }
    await pause(intervalMs);
  }
}

/**
 * Proves that something does NOT happen within `windowMs`: `check` (which throws once it has
 * happened) must hold on every look during the window and at its end. Absence cannot be awaited,
 * so this is the one place a test waits for a fixed time; keep the window short and say why.
 */
export async function expectNothingFor(windowMs: number, check: () => void | Promise<void>, intervalMs = 100): Promise<void> {
  const end = Date.now() + windowMs;
  for (;;) {
    await check();
    const left = end - Date.now();
    if (left <= 0) return;
    await pause(Math.min(intervalMs, left));
  }
}
