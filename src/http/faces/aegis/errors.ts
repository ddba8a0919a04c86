import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as E from '../../../core/errors.js';
import { classifyTransportError } from '../../fastify-errors.js';

/** No Authorization header, or not `Bearer <token>`: aegis's AuthRequiredException. */
export class AuthRequired extends Error {}

/** aegis's problems: name → [title, detail], worded exactly as aegis clients expect. */
const PROBLEMS = {
  AuthenticationFailed: ['Authentication Failed', 'The credentials you supplied were not correct.'],
  AuthRequired: ['Authentication Required', 'You did not specify the required token information in headers or you provided it incorrectly.'],
  InvalidRefreshToken: ['Invalid Token', 'You have provided an invalid refresh token.'],
  InvalidToken: ['Invalid Token', 'You have provided an invalid token signature.'],
  TokenExpired: ['Invalid Token', 'The access token provided has expired.'],
  BadRequest: ['Bad Request', 'The request body must be a JSON object whose fields are strings.'],
  MalformedBody: ['Bad Request', 'The request body is not valid JSON.'],
  ServiceUnavailable: ['Service Unavailable', 'The server is busy; try again shortly.'],
  InternalServerError: ['Internal Server Error', 'The server could not complete the request.'],
} as const satisfies Record<string, readonly [string, string]>;
type ProblemName = keyof typeof PROBLEMS;

/** Details for statuses raised outside the handlers (body limit, content type, rate limit, store down). */
const STATUS_DETAILS: Record<number, string> = {
  413: 'The request body is too large.',
  415: 'The request body must be JSON.',
  429: 'Too many requests; retry after the number of seconds in the Retry-After header.',
  503: 'The server is busy or its database is unreachable; try again shortly.',
};

/** Domain error → problem name. RefreshTokenReused is an InvalidRefreshToken; UserNotVerified fails authentication. */
const MAP: [new (...a: never[]) => E.DomainError, ProblemName][] = [
  [E.AccountInactive, 'AuthenticationFailed'],
  [E.InvalidCredentials, 'AuthenticationFailed'],
  [E.MfaRequired, 'AuthenticationFailed'],
  [E.UserNotVerified, 'AuthenticationFailed'],
  [E.InvalidRefreshToken, 'InvalidRefreshToken'],
  [E.TokenExpired, 'TokenExpired'],
  [E.InvalidToken, 'InvalidToken'],
];

export interface ProblemOptions {
  /** Base of `type` URIs (TESSERA_PROBLEM_BASE, default PUBLIC_URL/problems). */
  base: string;
  /** The public URL: `instance` is built from it and the request path, never from the Host header. */
  publicUrl: string;
}

/** The aegis face's one error mapper: RFC 7807 problem bodies in aegis's flavour (`status` is a string). */
export function aegisErrorHandler(opts: ProblemOptions) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const problem = (status: number, name: string, title: string, detail: string) => {
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(status).type('application/problem+json').send({
        type: `${opts.base}#${name}Exception`, title, detail, instance: opts.publicUrl + req.url, status: String(status),
      });
    };
    const named = (status: number, name: ProblemName, as: string = name) => problem(status, as, PROBLEMS[name][0], PROBLEMS[name][1]);

    if (err instanceof AuthRequired) return named(401, 'AuthRequired');
    if (err instanceof E.Overloaded) {
      reply.header('retry-after', '1');
      return named(503, 'ServiceUnavailable');
    }
    if (err instanceof E.DomainError) {
      const hit = MAP.find(([cls]) => err instanceof cls);
      if (hit) return named(401, hit[1]);
    }
    const t = classifyTransportError(err);
    if (t?.kind === 'validation') return named(400, 'BadRequest');
    if (t?.kind === 'malformed') return named(400, 'MalformedBody', 'BadRequest');
    // 413, 415, 429 …: the status text names the problem ("Unsupported Media Type" → UnsupportedMediaTypeException).
    if (t?.kind === 'status') return problem(t.status, t.message.replace(/\s+/g, ''), t.message, STATUS_DETAILS[t.status] ?? `${t.message}.`);
    req.log.error({ err }, 'unhandled error');
    return named(500, 'InternalServerError');
  };
}
