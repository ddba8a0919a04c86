import type { FastifyServerOptions } from 'fastify';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type BuildSerializer = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildSerializer']>;

/**
 * Fastify's own response serializer factory, compiling each distinct schema
 * object once. Fastify compiles a serializer per route and status code, and
 * the faces share their error schemas between routes: at start that was 150
 * fast-json-stringify compilations of 22 schemas, a tenth of the start-up
 * time. A serializer depends on the schema alone (and the shared schemas of
 * its context, fixed per factory), never on the route's method or URL.
 */
export const compileSerializersOnce: BuildSerializer = (externalSchemas, options) => {
  const build = SerializerSelector()(externalSchemas, options);
  const compiled = new WeakMap<object, ReturnType<typeof build>>();
  return (route) => {
    const key = route.schema as object;
    let serialize = compiled.get(key);
    if (!serialize) {
      serialize = build(route);
      compiled.set(key, serialize);
    }
    return serialize;
  };
};
