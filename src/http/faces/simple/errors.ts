import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../../core/errors.js';
import { classifyTransportError } from '../../fastify-errors.js';

/** Face-level failures (arguments, missing token, nothing to show); core failures are DomainErrors. */
export class SimpleError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}
export const missingArgument = (name: string) => new SimpleError(400, `Missing argument: ${name}`);
export const badArgument = (name: string) => new SimpleError(400, `Invalid argument: ${name}`);
export const missingToken = () => new SimpleError(401, 'Missing access token');

/**
 * Domain error → [status, message], with ipseity's statuses. First match wins, so
 * subclasses come before their parents (AccountInactive is an InvalidCredentials).
 */
const MAP: [new (...a: never[]) => E.DomainError, number, string][] = [
  // ipseity tells a deactivated account apart, but only to whoever gave its password or refresh token.
  [E.AccountInactive, 403, 'User has been deactivated'],
  [E.UserNotVerified, 403, 'User is not verified'],
  // One answer for an unknown user and a wrong password (ipseity's "user login error" is a 404).
  [E.InvalidCredentials, 404, 'Invalid user or password'],
  // No second step here: a user with a second factor gets the login error (after a correct password only).
  [E.MfaRequired, 404, 'Invalid user or password'],
  [E.InvalidRefreshToken, 400, 'Invalid refresh token'],
  [E.TokenExpired, 401, 'Token has expired'],
  [E.InvalidToken, 401, 'Invalid token'],
  [E.FreshTokenRequired, 403, 'Password authentication required'],
  [E.Forbidden, 403, 'Forbidden'],
  [E.InvalidScope, 403, 'Forbidden'],
  [E.UserAlreadyExists, 403, 'User already exists'],
  [E.InvalidLogin, 400, 'Invalid user: an email address, or a name of 1 to 64 characters without "@" or spaces'],
  [E.InvalidIdentifier, 400, 'A user needs an email or a username'],
  [E.WrongPassword, 400, 'Wrong password'],
  [E.UserNotFound, 404, 'User not found'],
  [E.Overloaded, 503, 'Service Unavailable'],
  [E.LastSuperuser, 400, 'The last active superuser cannot be demoted, deactivated or deleted'],
];

function send(reply: FastifyReply, status: number, message: string) {
  // Every 401 says how to authenticate (RFC 7235); the body stays the Flask service's `{"message"}`.
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  if (status === 503) reply.header('retry-after', '1');
  return reply.code(status).type('application/json; charset=utf-8').send({ message });
}

/** The argument a schema error is about, for a message the caller can act on. */
function argumentOf(err: FastifyError): string | undefined {
  const v = err.validation?.[0];
  if (!v) return undefined;
  const missing = (v.params as { missingProperty?: string }).missingProperty;
  return missing ?? (v.instancePath.split('/').filter(Boolean)[0] || undefined);
}

/** The simple face's one error mapper: `{"message": TEXT}`, never internal detail. */
export function simpleErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof SimpleError) return send(reply, err.status, err.message);
  if (err instanceof E.InvalidPassword) return send(reply, 400, err.reason);
  if (err instanceof E.InvalidUsername) return send(reply, 400, `Invalid user: ${err.reason}`);
  if (err instanceof E.DomainError) {
    const hit = MAP.find(([cls]) => err instanceof cls);
    if (hit) return send(reply, hit[1], hit[2]);
  }
  const t = classifyTransportError(err);
  if (t?.kind === 'validation') {
    const name = argumentOf(t.error);
    return send(reply, 400, name ? `Invalid argument: ${name}` : 'Invalid arguments');
  }
  if (t?.kind === 'malformed') return send(reply, 400, 'Malformed request body');
  if (t?.kind === 'status') return send(reply, t.status, t.message);
  req.log.error({ err }, 'unhandled error');
  return send(reply, 500, 'Internal Server Error');
}
