import { fromExported, isInvalidExport } from '../export-format.js';
import type { SourceReader, SourceRecord } from '../imported-user.js';
import { countJsonLines, readJsonDocuments } from '../json-documents.js';

/** Tessera's own export (`tessera export`), read back line by line. */
export function jsonlReader(path: string): SourceReader {
  return {
    total: () => countJsonLines(path),
    async *records() {
      for await (const doc of readJsonDocuments(path)) {
        if ('error' in doc) {
          yield { ok: false, ref: `line ${doc.at}`, reason: doc.error };
          continue;
        }
        yield toRecord(doc.value, doc.at);
      }
    },
    close: async () => {},
  };
}

function toRecord(value: unknown, at: number): SourceRecord {
  try {
    return { ok: true, user: fromExported(value) };
  } catch (err) {
    if (isInvalidExport(err)) return { ok: false, ref: `line ${at}`, reason: err.message };
    throw err;
  }
}
