/**
 * What `make` resolves to, made at the first call and shared by every later one.
 * Used to import at first use the packages only some deployments or some requests
 * need (TOTP, QR codes, webhook signing, the metrics registry): each kept out of
 * start-up keeps its code and data out of every process that never uses it
 * (docs/benchmarks.md, round 9: peak RSS).
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
