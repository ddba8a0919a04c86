import pino, { type DestinationStream, type Logger } from 'pino';
import { redactUrl } from './redact-url.js';

/**
 * One pino logger for the process. Request logs carry method, redacted URL
 * and address only: never headers (Authorization, Cookie) nor bodies.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts: pino.LoggerOptions = {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'token', '*.password', '*.token'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method, url: redactUrl(req.url), remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
      err: pino.stdSerializers.err,
    },
  };
  // A destination other than stdout is for tests that read what gets logged.
  return destination ? pino(opts, destination) : pino(opts);
}
