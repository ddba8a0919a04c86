import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../../core/errors.js';
import { classifyTransportError } from '../../fastify-errors.js';

/** RFC 6749 §5.2 and RFC 6750 §3.1 error codes this face sends. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_token'
  | 'insufficient_scope' | 'temporarily_unavailable';

/** A protocol error the face itself detects (missing or repeated parameter, unknown grant, no bearer token). */
export class OAuthError extends Error {
  constructor(readonly error: OAuthErrorCode, readonly description: string, readonly status = 400, readonly challenge?: string) {
    super(description);
  }
}

export const missing = (name: string) => new OAuthError('invalid_request', `missing required parameter: ${name}`);

const INVALID_TOKEN = 'Bearer error="invalid_token"';

/** Domain error → [status, RFC error code, description, WWW-Authenticate]. Descriptions never carry internals. */
const MAP: [new (...a: never[]) => E.DomainError, number, OAuthErrorCode, string, string?][] = [
  // Deactivated: the same answer as bad credentials (RFC 6749 has no other code for it).
  [E.AccountInactive, 400, 'invalid_grant', 'invalid username or password'],
  [E.InvalidCredentials, 400, 'invalid_grant', 'invalid username or password'],
  // This face cannot carry a second step: the password login of a user with one is refused.
  [E.MfaRequired, 400, 'invalid_grant', 'multi-factor authentication required'],
  [E.UserNotVerified, 400, 'invalid_grant', 'the user has not verified their email address'],
  [E.InvalidRefreshToken, 400, 'invalid_grant', 'the refresh token is invalid, expired or revoked'],
  [E.InvalidScope, 400, 'invalid_scope', 'the requested scope exceeds the scope granted to the user'],
  [E.InvalidToken, 401, 'invalid_token', 'the access token is invalid, expired or revoked', INVALID_TOKEN],
  [E.TokenExpired, 401, 'invalid_token', 'the access token is invalid, expired or revoked', INVALID_TOKEN],
  [E.UserNotFound, 401, 'invalid_token', 'the access token is invalid, expired or revoked', INVALID_TOKEN],
  [E.Forbidden, 403, 'insufficient_scope', 'the access token lacks the required scope', 'Bearer error="insufficient_scope", scope="me"'],
  [E.Overloaded, 503, 'temporarily_unavailable', 'the server is busy; retry shortly'],
  // Reachable only through user administration served on this face (TESSERA_USERS_ADMIN_API=wisdom).
  [E.LastSuperuser, 400, 'invalid_request', 'the last active superuser cannot be demoted, deactivated or deleted'],
  [E.InvalidUsername, 400, 'invalid_request', 'invalid username: letters, digits and ASCII punctuation only, no control or invisible characters'],
];

/** Text for an ajv error on a parameter, in RFC 6749 terms. */
function describeValidation(err: FastifyError): string {
  const v = err.validation?.[0];
  const name = v?.instancePath.split('/').filter(Boolean)[0];
  if (!v || !name) return 'the request body must be form-encoded parameters (or a JSON object)';
  if (v.keyword === 'maxLength') return `parameter too long: ${name}`;
  if (v.keyword !== 'type') return `parameter has an invalid value: ${name}`;
  return `parameter must be a single string: ${name}`;
}

function send(reply: FastifyReply, status: number, error: string, description: string, challenge?: string) {
  if (challenge) reply.header('www-authenticate', challenge);
  if (status === 503) reply.header('retry-after', '1');
  return reply.code(status).send({ error, error_description: description });
}

/** The oauth2 face's one error handler: RFC 6749 §5.2 bodies, never internal detail. */
export function oauth2ErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof OAuthError) return send(reply, err.status, err.error, err.description, err.challenge);
  if (err instanceof E.DomainError) {
    const hit = MAP.find(([cls]) => err instanceof cls);
    if (hit) return send(reply, hit[1], hit[2], hit[3], hit[4]);
  }
  const t = classifyTransportError(err);
  if (t?.kind === 'validation') return send(reply, 400, 'invalid_request', describeValidation(t.error));
  if (t?.kind === 'malformed') return send(reply, 400, 'invalid_request', 'the request body is malformed');
  // A body the token endpoint cannot read is a malformed request (RFC 6749 wants form encoding).
  if (t?.kind === 'status' && t.status === 415) return send(reply, 400, 'invalid_request', 'unsupported content type: use application/x-www-form-urlencoded');
  // RFC 6749 has no code for "slow down" or "down": temporarily_unavailable (§4.1.2.1) is the closest.
  if (t?.kind === 'status') return send(reply, t.status, t.status === 429 || t.status >= 500 ? 'temporarily_unavailable' : 'invalid_request', t.message);
  req.log.error({ err }, 'unhandled error');
  return send(reply, 500, 'server_error', 'Internal Server Error');
}
