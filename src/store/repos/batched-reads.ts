/**
 * Point reads by key, gathered into one query per turn of the event loop. Every
 * request that asks during one poll phase (the sockets that were readable
 * together) shares a single round trip, flushed from `setImmediate`: right
 * after that phase, so no request waits on a timer. Each read still sees the
 * database as it is when the batch runs, never an earlier answer.
 *
 * `load` gets distinct keys and returns the rows it found by key; a key without
 * a row reads as undefined. A failed load rejects every read of its batch.
 */
type Waiter<V> = { resolve: (v: V | undefined) => void; reject: (err: unknown) => void };

export function batchedReads<V>(load: (keys: string[]) => Promise<Map<string, V>>): (key: string) => Promise<V | undefined> {
  let pending: Map<string, Waiter<V>[]> | undefined;

  function flush(): void {
    const batch = pending!;
    pending = undefined;
    load([...batch.keys()]).then((found) => {
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
    }, (err: unknown) => {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    });
  }

  return (key) => new Promise<V | undefined>((resolve, reject) => {
    if (!pending) {
      pending = new Map();
      setImmediate(flush);
    }
    const waiters = pending.get(key);
    if (waiters) waiters.push({ resolve, reject });
    else pending.set(key, [{ resolve, reject }]);
  });
}
