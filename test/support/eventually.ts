export interface EventuallyOptions<T> {
  /** When the value read is the awaited one; by default, when it is truthy. */
  until?: (v: T) => boolean;
  timeoutMs?: number;
  stepMs?: number;
}

/**
 * Polls `read` until its value satisfies `until`, and returns that value, for
 * background work (deliveries, mail jobs, last-use writes). Throws once
 * `timeoutMs` has passed, so a wait that never ends fails where it waited.
 */
export async function eventually<T>(read: () => T | Promise<T>, options: EventuallyOptions<T> = {}): Promise<T> {
  const { until = Boolean, timeoutMs = 5000, stepMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (until(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${String(JSON.stringify(v)).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
