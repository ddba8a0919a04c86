import type { FastifyInstance } from 'fastify';
import { jsonTooDeep, tooDeep } from '../json-depth.js';

/**
 * Fastify's own JSON parser (with its prototype-poisoning refusal), behind a
 * depth check: a deeply nested body is refused as malformed before anything
 * can recurse over it. Installed on the root, before the faces.
 */
export function installJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonTooDeep(body as string)) done(tooDeep(), undefined);
    else parse(req, body as string, done);
  });
}
