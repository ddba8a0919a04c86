import { readFileSync } from 'node:fs';

/**
 * The `version` of package.json, read once. The file sits one level above
 * both src/ (tests) and dist/ (the built server), so one relative URL serves both.
 */
export const packageVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
