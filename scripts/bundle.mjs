// Bundles the server (src/main.ts and what it imports) into dist/server.js, which `npm start` runs.
//
// Why: on Node 20, importing the server as ~900 separate ESM files (Kysely, TypeBox, Fastify and
// their dependencies) took most of the start-up time; one file starts in about half the time
// (docs/benchmarks.md, "Ready time"). tsc still type-checks and emits dist/ for the command line
// and the tests; this only adds the bundle.
import { build } from 'esbuild';

// Left as imports at run time, each for a reason:
const external = [
  // native addons
  'better-sqlite3', '@node-rs/argon2',
  // imported only when configured (PostgreSQL, Redis, SMTP, social login): they stay out of
  // memory otherwise, as they did before bundling
  'pg', 'ioredis', 'nodemailer', 'openid-client',
  // read their own files at run time (package.json, static assets, worker scripts)
  '@fastify/swagger', '@fastify/swagger-ui', '@fastify/static', 'pino', 'thread-stream',
];

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/server.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external,
  // Stack traces point at src/ (npm start runs node with --enable-source-maps); the sources
  // themselves are in the repository, not copied into the map.
  sourcemap: 'linked',
  sourcesContent: false,
  // Bundled CommonJS dependencies still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __tesseraRequire } from 'node:module'; const require = __tesseraRequire(import.meta.url);" },
  logLevel: 'warning',
});
