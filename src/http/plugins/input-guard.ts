import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Text with a NUL character is never a valid email, name, password or token,
 * and PostgreSQL cannot even store it. Such a request is refused before any
 * handler runs, as a validation error on the offending argument, so each face
 * answers it in its own validation format.
 */
export function installInputGuard(app: FastifyInstance): void {
  // Callback style and no allocation when nothing is found: this runs on every request.
  app.addHook('preValidation', (req: FastifyRequest, _reply, done) => {
    // A path segment holding NUL names no resource: the face's 404, as for any unknown id.
    if (hasNul(req.params)) return done(notFoundError());
    const path = hasNul(req.body) ? ['body', findNul(req.body)] as const
      : hasNul(req.query) ? ['querystring', findNul(req.query)] as const : undefined;
    if (path) done(nulError(path[0], path[1]!));
    else done();
  });
}

/** Whether any string (or key) under `value` holds NUL; the common case, so it builds no paths. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const o = stack.pop()!;
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      if (k.includes('\u0000')) return true;
      const v = (o as Record<string, unknown>)[k];
      if (typeof v === 'string') { if (v.includes('\u0000')) return true; } else if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return false;
}

/** JSON-pointer path of the first string (or key) holding NUL; iterative, so deep nesting cannot overflow the stack. */
function findNul(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (k.includes('\u0000')) return at;
        stack.push([v, at]);
      }
    }
  }
  return undefined;
}

function notFoundError(): FastifyError {
  const err = new Error('Not Found') as FastifyError;
  err.statusCode = 404;
  return err;
}

function nulError(context: 'body' | 'querystring', path: string): FastifyError {
  const err = new Error(`${context}${path} must not contain NUL characters`) as FastifyError & { validationContext: string };
  err.statusCode = 400;
  err.code = 'FST_ERR_VALIDATION';
  err.validationContext = context;
  err.validation = [{
    keyword: 'pattern', instancePath: path.replace(/\u0000/g, '\\u0000'), schemaPath: '#/nul', params: { pattern: '^[^\\u0000]*$' },
    message: 'must not contain NUL characters',
  }];
  return err;
}
