import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../../../core/errors.js';
import { classifyTransportError } from '../../../fastify-errors.js';
import { validationDetail } from '../errors.js';

/**
 * An error the wisdom routes detect themselves (no token, a token without the route's scope),
 * shaped like wisdom's AuthorizationException: status, `error`, optional `error_description`,
 * and the data of its `WWW-Authenticate: Bearer …` header.
 */
export class WisdomError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description?: string, readonly challengeData = '') {
    super(error);
  }
}

/** The scope a route needs and the token lacks: 403, `WWW-Authenticate: Bearer scope=<scope>`. */
export const insufficientScope = (scope: string) => new WisdomError(403, 'insufficient_scope', undefined, `scope=${scope}`);

// wisdom's exception handlers write these bodies exactly (api/__init__.py, early 2022).
const NOT_FOUND = { error: 'The requested object was not found. Please check your request' };
const DUPLICATE = { error: 'DUPLICATE_ENTRY', error_description: 'The resource you tried to create already exists' };

/** Domain error → an AuthorizationException-like answer [status, error, description]. */
const MAP: [new (...a: never[]) => E.DomainError, number, string, string?][] = [
  [E.InvalidToken, 401, 'invalid_token'],
  [E.TokenExpired, 401, 'invalid_token'],
  [E.Forbidden, 403, 'insufficient_scope'],
  [E.WrongPassword, 403, 'invalid_grant', 'The password confirmation did not match the password on record'],
  [E.FreshTokenRequired, 403, 'invalid_grant', 'The password confirmation did not match the password on record'],
  [E.InvalidLogin, 400, 'invalid_request', 'The username must be an email address, or a name of 1 to 64 characters without "@" or spaces'],
];

/** What wisdom's AuthorizationException handler sends: the body, and always a `WWW-Authenticate` header. */
function authorizationError(reply: FastifyReply, status: number, error: string, description?: string, challengeData = '') {
  reply.header('www-authenticate', `Bearer ${challengeData}`.trim());
  return reply.code(status).send(description === undefined ? { error } : { error, error_description: description });
}

/** Busy (hashing queue full) or the database is down: retryable, nothing was decided. */
function unavailable(reply: FastifyReply) {
  reply.header('retry-after', '1');
  return reply.code(503).send({ error: 'temporarily_unavailable', error_description: 'The service is unavailable; retry shortly' });
}

/** The wisdom routes' one error handler: wisdom's bodies and status codes, never internal detail. */
export function wisdomErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof WisdomError) return authorizationError(reply, err.status, err.error, err.description, err.challengeData);
  if (err instanceof E.UserNotFound) return reply.code(404).send(NOT_FOUND);
  if (err instanceof E.UserAlreadyExists) return reply.code(409).send(DUPLICATE);
  if (err instanceof E.InvalidPassword) return authorizationError(reply, 400, 'invalid_request', err.reason);
  if (err instanceof E.Overloaded) return unavailable(reply);
  if (err instanceof E.DomainError) {
    const hit = MAP.find(([cls]) => err instanceof cls);
    // A rule wisdom did not have (e.g. one a later core adds) is still the client's 400, never a 500.
    return hit ? authorizationError(reply, hit[1], hit[2], hit[3]) : authorizationError(reply, 400, 'invalid_request', err.code);
  }
  const t = classifyTransportError(err);
  // Bodies wisdom's validation never reached are FastAPI's, which wisdom did not override.
  if (t?.kind === 'validation') return reply.code(422).send({ detail: validationDetail(t.error) });
  if (t?.kind === 'malformed') return reply.code(422).send({ detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] });
  if (t?.kind === 'status') return t.status === 503 ? unavailable(reply) : reply.code(t.status).send({ detail: t.message });
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ detail: 'Internal Server Error' });
}
