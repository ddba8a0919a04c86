import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { runExport } from '../../src/import/exporter.js';
import { createExportRepo } from '../../src/store/repos/export-repo.js';
import type { TestServer } from './harness.js';

/** The export's published JSON Schema (docs/export.schema.json). */
const SCHEMA = JSON.parse(readFileSync(new URL('../../docs/export.schema.json', import.meta.url), 'utf8')) as object;

/** What `tessera export` would write for this server's database, as one string. */
export async function exportOf(s: TestServer): Promise<string> {
  let text = '';
  const out = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  await runExport(createExportRepo(s.container.db), out);
  return text;
}

/** A validator of one export line against the published schema (its `errors` explain a refusal). */
export const exportLineValidator = () => addFormats.default(new Ajv2020.default({ allErrors: true })).compile(SCHEMA);
