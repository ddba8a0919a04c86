import type { FastifyRequest } from 'fastify';

/**
 * The account a rate-limited request acts on: a login as typed (email or
 * username), a token being redeemed, or a user id. Faces hand one over per
 * route; rate-limit.ts turns it into a key.
 */
export type AccountRef = { login: string } | { token: string } | { userId: string } | { mfaToken: string };

/**
 * Reads a route's account from a request exactly as its handler reads it
 * (same field, same source), so no extra parameter can move the limit onto
 * another account. Undefined when the request names none (the handler will
 * refuse it). Runs after the route's own preValidation hooks (guards), before
 * schema validation.
 */
export type AccountOf = (req: FastifyRequest) => AccountRef | undefined;

const MAX_LENGTH = 4096;

function field(source: unknown, name: string): string | undefined {
  if (!source || typeof source !== 'object' || Array.isArray(source) || !Object.hasOwn(source, name)) return undefined;
  const v = (source as Record<string, unknown>)[name];
  // Longer than any login or token: schema validation refuses it before any handler runs.
  return typeof v === 'string' && v !== '' && v.length <= MAX_LENGTH ? v : undefined;
}

/** The login in body field `name` (users face login, aegis, and the like). */
export const bodyLogin = (name: string): AccountOf => (req) => {
  const v = field(req.body, name);
  return v === undefined ? undefined : { login: v };
};

/** The token being redeemed, in body field `name` (verify, reset, refresh). */
export const bodyToken = (name: string): AccountOf => (req) => {
  const v = field(req.body, name);
  return v === undefined ? undefined : { token: v };
};

/** The user whose login an mfa_token (body field `name`) continues: the second step is limited per that user. */
export const bodyMfaToken = (name: string): AccountOf => (req) => {
  const v = field(req.body, name);
  return v === undefined ? undefined : { mfaToken: v };
};

/** The signed-in user, as the route's guard (which runs first) found it. */
export const signedInUser: AccountOf = (req) => {
  const id = req.currentUser?.id ?? req.principal?.userId;
  return id ? { userId: id } : undefined;
};

/** The user named by path parameter `name` (admin routes). */
export const userParam = (name: string): AccountOf => (req) => {
  const v = field(req.params, name);
  return v === undefined ? undefined : { userId: v.toLowerCase() };
};

/** A string as a login, or nothing (for faces that read their own arguments). */
export const asLogin = (v: string | undefined): AccountRef | undefined => (v ? { login: v } : undefined);
/** A string as a token, or nothing. */
export const asToken = (v: string | undefined): AccountRef | undefined => (v ? { token: v } : undefined);
