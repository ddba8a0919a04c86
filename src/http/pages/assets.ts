import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A directory shipped next to this code: src/http/pages/<name> when run from
 * source or tsc output, dist/pages/<name> in the bundle (scripts/bundle.mjs
 * copies both directories there).
 */
export function pagesDir(name: 'templates' | 'assets'): string {
  const candidates = [join(here, name), join(here, 'pages', name), join(here, '..', '..', '..', 'src', 'http', 'pages', name)];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`hosted pages: ${name} directory not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface Asset { body: Buffer; type: string; path: string }

/** A static file read once at start, served under a name that changes with its content (long caching is safe). */
export function loadAsset(file: string, type: string): Asset {
  const body = readFileSync(join(pagesDir('assets'), file));
  const version = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const dot = file.lastIndexOf('.');
  return { body, type, path: `/assets/${file.slice(0, dot)}.${version}${file.slice(dot)}` };
}
