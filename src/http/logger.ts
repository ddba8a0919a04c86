import type { FastifyBaseLogger } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
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

type LogFn = FastifyBaseLogger['info'];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * The request logger Fastify binds to each request's id, built only when
 * something is logged at an enabled level. A pino child (bindings
 * serialised, redaction set up) costs about as much as the rest of a cached
 * authenticated request, and at the usual levels most requests log nothing.
 */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(private readonly parent: FastifyBaseLogger & Pick<Logger, 'isLevelEnabled'>, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  #log(level: Level, args: Parameters<LogFn>): void {
    if (this.#child || this.parent.isLevelEnabled(level)) (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string { return this.#child?.level ?? this.options.level ?? this.parent.level; }
  set level(level: string) { this.#real().level = level; }
  fatal(...args: Parameters<LogFn>): void { this.#log('fatal', args); }
  error(...args: Parameters<LogFn>): void { this.#log('error', args); }
  warn(...args: Parameters<LogFn>): void { this.#log('warn', args); }
  info(...args: Parameters<LogFn>): void { this.#log('info', args); }
  debug(...args: Parameters<LogFn>): void { this.#log('debug', args); }
  trace(...args: Parameters<LogFn>): void { this.#log('trace', args); }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.#real().child(bindings, options); }
}

/** Fastify's `childLoggerFactory`: request loggers that cost nothing until they log. */
export const lazyRequestLogger = (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
  new LazyRequestLogger(parent as FastifyBaseLogger & Pick<Logger, 'isLevelEnabled'>, bindings, options) as FastifyBaseLogger;
