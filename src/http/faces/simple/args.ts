import type { FastifyRequest } from 'fastify';
import { asLogin, asToken, type AccountOf } from '../../plugins/rate-limit-accounts.js';
import { jsonTooDeep, tooDeep } from '../../json-depth.js';
import { badArgument, missingArgument, SimpleError } from './errors.js';

const MAX_ARG_LENGTH = 4096;
const BODY_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded']);

// As for parsed bodies (onProtoPoisoning: 'error'): such keys are refused, never merged.
const refuseProto = (key: string, value: unknown) => {
  if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)) {
    throw new SyntaxError('forbidden key in body');
  }
  return value;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Query string and body arguments, merged with the body winning (like Flask's
 * `request.values` plus a JSON body). A body that is not an object of fields is refused.
 */
function merged(req: FastifyRequest): Record<string, unknown> {
  if (req.body !== undefined && req.body !== null && !isRecord(req.body)) throw new SimpleError(400, 'Malformed request body');
  return { ...(req.query as Record<string, unknown> | undefined), ...(req.body as Record<string, unknown> | undefined) };
}

/** An optional argument: undefined when absent, a 400 when it is not one short string. */
export function arg(req: FastifyRequest, name: string): string | undefined {
  const v = merged(req)[name];
  if (v === undefined) return undefined;
  // NUL is never part of a name, password or token (and PostgreSQL cannot store it); a GET body
  // is parsed here, after the app-wide NUL guard has run, so the check is repeated.
  if (typeof v !== 'string' || v.length > MAX_ARG_LENGTH || v.includes('\u0000')) throw badArgument(name);
  return v;
}

/** A required argument: absent or empty is `400 Missing argument`. */
export function need(req: FastifyRequest, name: string): string {
  const v = arg(req, name);
  if (v === undefined || v === '') throw missingArgument(name);
  return v;
}

/** GET /token's account, read as its handler reads it: with `pass`, `user` is a login; without, a refresh token. */
export const tokenAccount: AccountOf = (req) => (arg(req, 'pass') === undefined ? asToken(arg(req, 'user')) : asLogin(arg(req, 'user')));
/** POST /user's account: the login being registered. */
export const signupAccount: AccountOf = (req) => asLogin(arg(req, 'user'));

/**
 * The caller's access token: `Authorization: Bearer <t>` or the bare token in
 * `Authorization`, else an `access_token` argument. A header that is neither is
 * an invalid token rather than no token, so a mistyped header never passes as anonymous.
 */
export function accessToken(req: FastifyRequest): { token?: string; malformed?: true } {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.trim() !== '') {
    const m = /^\s*(?:Bearer[ ]+)?(\S+)\s*$/i.exec(h);
    return m ? { token: m[1]! } : { malformed: true };
  }
  const t = arg(req, 'access_token');
  return t ? { token: t } : {};
}

/**
 * Fastify never reads a GET body, but clients of the Flask service may send
 * their arguments that way (`requests.get(url, data=…)`). This preValidation
 * hook reads a JSON or form body of a GET, within the route's body limit.
 */
export async function readGetBody(req: FastifyRequest): Promise<void> {
  if (req.method !== 'GET' || req.body !== undefined) return;
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const length = req.headers['content-length'];
  if (!type || !BODY_TYPES.has(type) || ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined)) return;
  const limit = req.routeOptions.bodyLimit ?? 64 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error('body too large'), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return;
  // JSON.parse throws SyntaxError, which the error mapper reports as a malformed body (400); its
  // reviver recurses, so depth is checked first (a 4000-deep body would overflow the stack: a 500).
  if (type === 'application/json' && jsonTooDeep(text)) throw tooDeep();
  req.body = type === 'application/json' ? JSON.parse(text, refuseProto) : Object.fromEntries(new URLSearchParams(text));
}
