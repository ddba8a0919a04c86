import { publicUrlOf } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { packageVersion } from './package-version.js';

/** The database as an operator recognises it: dialect and file, or dialect, host and name; never credentials. */
export function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return `sqlite ${url.slice('sqlite:'.length)}`;
  try {
    const u = new URL(url);
    return `postgres ${u.host}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** What the one start-up log line says (fields, so log tooling can read them). */
export function startupFields(config: Config, metricsPort?: number) {
  return {
    version: packageVersion,
    database: describeDatabase(config.databaseUrl),
    faces: config.faces.join(','),
    publicUrl: publicUrlOf(config),
    pages: config.pages ? 'on' : 'off',
    ...(metricsPort ? { metricsPort } : {}),
  };
}
