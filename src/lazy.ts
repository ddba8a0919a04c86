/**
 * What `make` resolves to, made at the first call and shared by every later one; a failure is
 * not kept, so the next caller tries again (a database that was down for a moment). Used for the
 * master key and what is built on it, and to import at first use the packages only some
 * deployments or some requests need (TOTP, QR codes, passkeys, webhook signing, the metrics
 * registry): each kept out of start-up keeps its code and data out of every process that never
 * uses it (docs/benchmarks.md, round 9: peak RSS).
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make().catch((err: unknown) => {
    made = undefined;
    throw err;
  }));
}
