// Bundles the server's own code (src/main.ts and what it imports) with the two libraries that
// dominate its import time into dist/server.js, which `npm start` runs.
//
// Why: on Node 20, importing the server as ~900 separate ESM files was most of its start-up
// time, Kysely (~200 ms) and TypeBox (~140 ms) alone about a third of it: hundreds of small files
// each. With them and src/ in one file the server was ready in 696 ms against 1 062 ms (medians
// of five starts each, alternating; docs/benchmarks.md, "Ready time").
//
// Why not everything: bundling every dependency started a little faster still (630 ms) but made
// each request ~15% more expensive (GET /users/me: 58–65 µs of CPU against 48–53 µs, six rounds
// in rotating order); with Fastify and the rest left as packages, requests cost what they did
// unbundled. Packages not listed here stay imports, which also keeps the ones loaded only when
// configured (pg, ioredis, nodemailer, openid-client) out of memory otherwise, and leaves alone
// those that read their own files at run time (@fastify/swagger-ui, pino).
//
// tsc still type-checks and emits dist/ for the command line and the tests; this only adds the bundle.
import { cpSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const BUNDLED_PACKAGES = new Set(['kysely', '@sinclair/typebox']);

const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every bare import (a package or a node: built-in) stays an import, except the packages above. */
const packagesExternal = {
  name: 'packages-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

await build({
  entryPoints: { server: 'src/main.ts' },
  outdir: 'dist',
  // Code reached only through a dynamic import() (the social-login providers, and openid-client
  // under them) goes to a chunk of its own, loaded at its first use as it is from sources: in one
  // file, its packages' static imports were hoisted into the bundle and loaded at every start.
  // Chunks sit beside server.js, so code that finds files next to itself (import.meta.url) finds
  // the same ones wherever esbuild puts it.
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  plugins: [packagesExternal],
  // Stack traces point at src/ (npm start runs node with --enable-source-maps); the sources
  // themselves are in the repository, not copied into the map.
  sourcemap: 'linked',
  sourcesContent: false,
  // Whitespace and comments only (names stay, so traces read without the map too). V8 keeps every
  // module's source in memory: ~0.75 MB instead of 1.1, and all ASCII, where one non-Latin-1
  // character left in a comment had made it a two-byte string of 2.1 MB (docs/benchmarks.md, round 8).
  minifyWhitespace: true,
  logLevel: 'warning',
});

// The hosted pages read their templates and stylesheet at start (src/http/pages/assets.ts looks
// next to itself, then in pages/): beside the bundle, and beside tsc's output for the CLI.
for (const dir of ['templates', 'assets']) {
  cpSync(`src/http/pages/${dir}`, `dist/pages/${dir}`, { recursive: true });
  cpSync(`src/http/pages/${dir}`, `dist/http/pages/${dir}`, { recursive: true });
}

// The common-password list as plain text beside the bundle and beside tsc's output
// (src/core/common-passwords.ts reads it): importing the package at run time would keep all of its
// dictionaries in memory.
const { dictionary } = await import('@zxcvbn-ts/language-common');
const passwords = dictionary['passwords-common'].filter((p) => !p.includes('\n')).join('\n');
for (const file of ['dist/common-passwords.txt', 'dist/core/common-passwords.txt']) writeFileSync(file, passwords);
