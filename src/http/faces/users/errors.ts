import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../../core/errors.js';
import { classifyTransportError } from '../../fastify-errors.js';

/** Domain error → [status, FastAPI Users `detail` code]. Route config may override the code. */
const MAP: [new (...a: never[]) => E.DomainError, number, string][] = [
  // A deactivated account is bad credentials here, as in FastAPI Users (no hint it exists).
  [E.AccountInactive, 400, 'LOGIN_BAD_CREDENTIALS'],
  [E.InvalidCredentials, 400, 'LOGIN_BAD_CREDENTIALS'],
  [E.UserNotVerified, 400, 'LOGIN_USER_NOT_VERIFIED'],
  [E.UserAlreadyExists, 400, 'REGISTER_USER_ALREADY_EXISTS'],
  [E.InvalidPassword, 400, 'REGISTER_INVALID_PASSWORD'],
  [E.WrongPassword, 400, 'UPDATE_USER_BAD_PASSWORD'],
  [E.InvalidIdentifier, 400, 'UPDATE_USER_INVALID_IDENTIFIER'],
  [E.BadResetToken, 400, 'RESET_PASSWORD_BAD_TOKEN'],
  [E.BadVerifyToken, 400, 'VERIFY_USER_BAD_TOKEN'],
  [E.AlreadyVerified, 400, 'VERIFY_USER_ALREADY_VERIFIED'],
  [E.UserNotFound, 404, 'Not Found'],
  [E.SessionNotFound, 404, 'Not Found'],
  [E.InvalidToken, 401, 'Unauthorized'],
  [E.TokenExpired, 401, 'Unauthorized'],
  [E.InvalidRefreshToken, 401, 'Unauthorized'],
  [E.FreshTokenRequired, 403, 'FRESH_TOKEN_REQUIRED'],
  [E.Forbidden, 403, 'Forbidden'],
  [E.InvalidScope, 403, 'Forbidden'],
  [E.UnknownOAuthProvider, 404, 'Not Found'],
  [E.OAuthInvalidState, 400, 'OAUTH_INVALID_STATE'],
  [E.OAuthEmailUnavailable, 400, 'OAUTH_NOT_AVAILABLE_EMAIL'],
  [E.OAuthUserAlreadyExists, 400, 'OAUTH_USER_ALREADY_EXISTS'],
  [E.OAuthProviderError, 400, 'OAUTH_PROVIDER_ERROR'],
  [E.OAuthProviderUnavailable, 502, 'OAUTH_PROVIDER_UNAVAILABLE'],
  [E.Overloaded, 503, 'Service Unavailable'],
  [E.LastSuperuser, 400, 'LAST_SUPERUSER'],
  [E.InvalidWebhookUrl, 400, 'WEBHOOK_INVALID_URL'],
  [E.WebhookNotFound, 404, 'Not Found'],
  [E.WebAuthnInvalid, 400, 'WEBAUTHN_INVALID'],
  [E.PasskeyNotFound, 404, 'Not Found'],
  [E.MfaInvalidCode, 400, 'MFA_INVALID_CODE'],
  [E.MfaTokenInvalid, 400, 'MFA_TOKEN_INVALID'],
  [E.MfaNotEnabled, 400, 'MFA_NOT_ENABLED'],
  // Only login routes raise it, and they always ask for a challenge (handled below).
  [E.MfaRequired, 400, 'LOGIN_BAD_CREDENTIALS'],
];

const IDENTIFIER_REASON = 'A user needs an email or a username to log in with.';

/** Pydantic-style error types for the ajv keywords our schemas use. */
const PYDANTIC: Record<string, [string, string]> = {
  required: ['missing', 'Field required'],
  type: ['type_error', 'Input has the wrong type'],
  format: ['value_error', 'Value is not valid'],
  pattern: ['string_pattern_mismatch', 'String does not match the expected pattern'],
  minLength: ['string_too_short', 'String is too short'],
  maxLength: ['string_too_long', 'String is too long'],
  minimum: ['greater_than_equal', 'Input is too small'],
  maximum: ['less_than_equal', 'Input is too large'],
  anyOf: ['union_type', 'Input does not match any allowed type'],
};

type AjvError = NonNullable<FastifyError['validation']>[number];

/**
 * A nullable field (`X | null`) that fails reports, like pydantic's Optional[X], only
 * what X refused: ajv's "not null" and "no branch matched" errors for it are dropped.
 */
function withoutNullBranches(errors: AjvError[]): AjvError[] {
  const isNoise = (v: AjvError) => v.keyword === 'anyOf' || (v.keyword === 'type' && (v.params as { type?: string }).type === 'null');
  const real = new Set(errors.filter((v) => !isNoise(v)).map((v) => v.instancePath));
  return errors.filter((v) => !isNoise(v) || !real.has(v.instancePath));
}

/** FastAPI's 422 `detail` list for an ajv failure (also what the wisdom service, a FastAPI app, answers). */
export function validationDetail(err: FastifyError) {
  const part = err.validationContext === 'querystring' ? 'query' : err.validationContext === 'params' ? 'path' : (err.validationContext ?? 'body');
  return withoutNullBranches(err.validation ?? []).map((v) => {
    const path = v.instancePath.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const [type, msg] = PYDANTIC[v.keyword] ?? ['value_error', 'Invalid value'];
    return { loc: [part, ...path, ...(missing ? [missing] : [])], msg: v.keyword === 'type' ? `Input should be a valid ${(v.params as { type: string }).type}` : msg, type };
  });
}

/** The users face's one error handler: FastAPI Users bodies, never internal detail. */
export function usersErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // A username the PRECIS rule refuses is a field validation failure, as a pydantic validator would report it.
  if (err instanceof E.InvalidUsername) return reply.code(422).send({ detail: [{ loc: ['body', 'username'], msg: err.reason, type: 'value_error' }] });
  // An unknown event type is a field validation failure too, naming the list entry.
  if (err instanceof E.UnknownEventType) return reply.code(422).send({ detail: [{ loc: ['body', 'events', err.index], msg: 'Unknown event type', type: 'enum' }] });
  if (err instanceof E.MfaRequired && err.challenge) {
    reply.header('cache-control', 'no-store');
    return reply.code(400).send({ detail: { code: 'LOGIN_MFA_REQUIRED', mfa_token: err.challenge.mfaToken, methods: err.challenge.methods } });
  }
  if (err instanceof E.DomainError) {
    const hit = MAP.find(([cls]) => err instanceof cls);
    if (hit) {
      const [, status, fallback] = hit;
      const code = req.routeOptions.config.errorCodes?.[err.code] ?? fallback;
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      if (status === 503) reply.header('retry-after', '1');
      const detail = err instanceof E.InvalidPassword || err instanceof E.OAuthProviderError || err instanceof E.InvalidWebhookUrl ? { code, reason: err.reason }
        : err instanceof E.InvalidIdentifier ? { code, reason: IDENTIFIER_REASON } : code;
      return reply.code(status).send({ detail });
    }
  }
  const t = classifyTransportError(err);
  if (t?.kind === 'validation') return reply.code(422).send({ detail: validationDetail(t.error) });
  if (t?.kind === 'malformed') return reply.code(422).send({ detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] });
  if (t?.kind === 'status') return reply.code(t.status).send({ detail: t.message });
  req.log.error({ err }, 'unhandled error');
  return reply.code(500).send({ detail: 'Internal Server Error' });
}
