import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { translateUnavailable } from './store-unavailable.js';

/**
 * Wraps a Kysely dialect so every driver failure that means "database
 * unreachable" surfaces as StoreUnavailable, whichever dialect and whichever
 * step (acquiring a connection, a query, a transaction) hit it. Repositories
 * and core stay unaware; faces map StoreUnavailable to 503.
 */
export function guardDialect(inner: Dialect): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => guardDriver(inner.createDriver()),
  };
}

// Drivers and connections keep private state (`#fields`, symbol methods): every
// forwarded method is bound to the real object, never called on the proxy.
function forward<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof T];
      const v = Reflect.get(t, prop, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

const connections = new WeakMap<DatabaseConnection, DatabaseConnection>();

function guardConnection(c: DatabaseConnection): DatabaseConnection {
  let g = connections.get(c);
  if (!g) {
    g = forward(c, {
      // Kysely's SQLite connection throws synchronously (better-sqlite3 is synchronous): caught here too.
      executeQuery: async (q: Parameters<DatabaseConnection['executeQuery']>[0]) => {
        try {
          return await c.executeQuery(q);
        } catch (err) {
          return translateUnavailable(err);
        }
      },
    });
    connections.set(c, g);
  }
  return g;
}

function guardDriver(d: Driver): Driver {
  return forward(d, {
    init: () => d.init().catch(translateUnavailable),
    acquireConnection: async () => guardConnection(await d.acquireConnection().catch(translateUnavailable)),
    beginTransaction: (c: DatabaseConnection, s: Parameters<Driver['beginTransaction']>[1]) => d.beginTransaction(c, s).catch(translateUnavailable),
    commitTransaction: (c: DatabaseConnection) => d.commitTransaction(c).catch(translateUnavailable),
    rollbackTransaction: (c: DatabaseConnection) => d.rollbackTransaction(c).catch(translateUnavailable),
  });
}
