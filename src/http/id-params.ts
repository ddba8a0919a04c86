import type { DomainError } from '../core/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCOUNT_NUMBER = /^\d{1,15}$/;

export const isUuid = (id: string): boolean => UUID.test(id);

/** A path id that must be a UUID (lower-cased); anything else names nothing: `notFound`, without touching the database. */
export function uuidParam(id: string, notFound: () => DomainError): string {
  if (!UUID.test(id)) throw notFound();
  return id.toLowerCase();
}

/** A path id that must be an account number (at most 15 digits, so a safe integer); anything else is `notFound`. */
export function accountNumberParam(id: string, notFound: () => DomainError): number {
  if (!ACCOUNT_NUMBER.test(id)) throw notFound();
  return Number(id);
}

/**
 * A user named in an admin path: the UUID, or (wisdom's administration names users by number) the
 * account number, looked up; anything else is `notFound`.
 */
export async function userIdParam(id: string, byNumber: (n: number) => Promise<{ id: string }>, notFound: () => DomainError): Promise<string> {
  if (UUID.test(id)) return id.toLowerCase();
  return (await byNumber(accountNumberParam(id, notFound))).id;
}
