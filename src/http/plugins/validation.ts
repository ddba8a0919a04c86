import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

const common: Options = { allErrors: false, useDefaults: true, strict: false, removeAdditional: false };

/**
 * Bodies are validated strictly (no type coercion: `{"password": 123}` or
 * `["x"]` for a string is a 4xx, as with pydantic), while query strings,
 * path params and headers, which are always text, are coerced.
 */
export function installValidators(app: FastifyInstance): void {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) (addFormats as unknown as (a: Ajv) => void)(ajv);
  // Ajv keeps each compiled schema object itself, so routes sharing a schema compile it once.
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object) as never);
}
