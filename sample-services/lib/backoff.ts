// Exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
// the wait is uniform in [0, min(cap, base·2^attempt)], which spreads retries of many clients apart
// instead of having them hit a recovering dependency in lock-step.

export function fullJitterDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** The Retry-After value in whole seconds (RFC 9110 delay-seconds), at least one. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
