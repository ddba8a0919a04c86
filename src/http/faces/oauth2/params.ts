import type { FastifyRequest } from 'fastify';
import { asLogin, asToken, type AccountOf } from '../../plugins/rate-limit-accounts.js';
import { missing, OAuthError } from './errors.js';

/**
 * preValidation hook: RFC 6749 §3.2 forbids repeating a parameter. The form
 * parser turns `a=1&a=2` into an array, which must be an `invalid_request`
 * naming the parameter, not a type error.
 */
export function refuseRepeated(req: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  // Callback style: this runs on every oauth2 request, and a promise per request is measurable.
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)
    || !String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    done();
    return;
  }
  const repeated = Object.keys(body).find((k) => Array.isArray((body as Record<string, unknown>)[k]));
  done(repeated ? new OAuthError('invalid_request', `parameter given more than once: ${repeated}`) : undefined);
}

/** A parameter's value; an empty one counts as omitted (RFC 6749 §3.1). */
export const param = (body: Record<string, unknown>, name: string): string | undefined => {
  const v = body[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** A parameter the request cannot do without. */
export function required(body: Record<string, unknown>, name: string): string {
  const v = param(body, name);
  if (v === undefined) throw missing(name);
  return v;
}

/** The token endpoint's account, read as the handler reads it: the username of a password grant, the token of a refresh grant. */
export const tokenRequestAccount: AccountOf = (req) => {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const grant = param(body, 'grant_type');
  return grant === 'password' ? asLogin(param(body, 'username')) : grant === 'refresh_token' ? asToken(param(body, 'refresh_token')) : undefined;
};
