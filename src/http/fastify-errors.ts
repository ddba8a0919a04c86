import type { FastifyError } from 'fastify';
import { StoreUnavailable } from '../core/errors.js';

/** Classifies errors Fastify raises before a handler runs, for every face's error mapper. */
export type TransportError =
  | { kind: 'validation'; error: FastifyError }
  | { kind: 'malformed'; status: 400 }
  | { kind: 'status'; status: number; message: string };

const MESSAGES: Record<number, string> = {
  400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 413: 'Request Entity Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 503: 'Service Unavailable',
};

export function classifyTransportError(err: FastifyError): TransportError | undefined {
  // The database is unreachable: retryable, and nothing was decided (never a 500, never a wrong answer).
  if ((err as Error) instanceof StoreUnavailable) return { kind: 'status', status: 503, message: MESSAGES[503]! };
  if (err.validation) return { kind: 'validation', error: err };
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError
    || /prototype/i.test(err.message ?? '')) return { kind: 'malformed', status: 400 };
  const status = err.statusCode;
  if (status && status >= 400 && status < 500) return { kind: 'status', status, message: MESSAGES[status] ?? 'Bad Request' };
  return undefined;
}
