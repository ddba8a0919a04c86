import type { Repos, TxRepos } from '../store/repos/index.js';
import { StoreUnavailable } from '../store/store-unavailable.js';
import type { AuditEventInput, AuditLog, ClientContext } from './audit.js';

/** One change in the making: repositories on its transaction, its audit events, and what waits for the commit. */
export interface Work {
  repos: TxRepos;
  /**
   * Writes an event (and the webhook deliveries it feeds) in this transaction. An event that cannot
   * be written fails the change: it rolls back, and the request answers as for a failing database.
   */
  record(event: AuditEventInput, ctx?: ClientContext): Promise<void>;
  /** Runs once the change committed (never after a rollback): what cannot roll back, such as the revocation list. */
  afterCommit(effect: () => void): void;
}

export type Transact = <T>(change: (work: Work) => Promise<T>) => Promise<T>;

/**
 * How core makes a change and its audit event one transaction (the contract: events and their webhook
 * deliveries commit with the change they report). Keep out of `change` whatever is slow and not the
 * database (password hashing, mail, network calls): on SQLite the transaction holds the one
 * connection, and every other request waits. And every query in it goes through `work.repos`: one on
 * the shared repositories would wait for the connection the transaction holds.
 */
export function unitOfWork(repos: Pick<Repos, 'transaction'>, audit: Pick<AuditLog, 'prepare'>): Transact {
  return async (change) => {
    const effects: (() => void)[] = [];
    const result = await repos.transaction((tx) => change({
      repos: tx,
      async record(event, ctx) {
        const { record, within } = audit.prepare(event, ctx);
        await tx.audit.insert(record, within).catch((err: unknown) => {
          throw err instanceof StoreUnavailable ? err : new StoreUnavailable(err);
        });
      },
      afterCommit: (effect) => { effects.push(effect); },
    }));
    for (const effect of effects) effect();
    return result;
  };
}
