// Bounded polling for integration tests: wait for a condition, fail with what was last seen.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls probe until it returns a value other than undefined/false, and returns that value. On
 * timeout, throws with the description and the probe's last result or error.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  const interval = opts.intervalMs ?? 50;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${description}; last result: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
