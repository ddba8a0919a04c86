import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countJsonLines, readJsonDocuments } from '../../src/import/json-documents.js';
import { tempDir } from '../support/process.js';

/** Documents whose strings hold every character the array reader tracks, and more than one read chunk (64 KiB) of them. */
const DOCS = Array.from({ length: 3000 }, (_, i) => ({ i, s: `],[{"\\ }${i}`, nested: [[i], { x: '[,]' }], u: 'ü€𝄞' }));

describe('reading mongoexport-style JSON sources as streams', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());
  const read = async (path: string) => {
    const out = [];
    for await (const d of readJsonDocuments(path)) out.push(d);
    return out;
  };

  it('a top-level array (pretty or compact) yields each element, across chunk boundaries', async () => {
    for (const [name, text] of [['pretty.json', JSON.stringify(DOCS, null, '\t')], ['compact.json', `\uFEFF ${JSON.stringify(DOCS)}\n`]] as const) {
      const path = join(tmp.dir, name);
      writeFileSync(path, text);
      expect((await read(path)).map((d) => ('value' in d ? d.value : d))).toEqual(DOCS);
      expect(await countJsonLines(path)).toBeUndefined();
    }
  });

  it('JSON lines yield each line; blank lines are skipped and a bad line is reported by number', async () => {
    const path = join(tmp.dir, 'lines.jsonl');
    writeFileSync(path, `${JSON.stringify(DOCS[0])}\n\n{not json\n${JSON.stringify(DOCS[1])}`);
    expect(await read(path)).toEqual([{ at: 1, value: DOCS[0] }, { at: 3, error: 'not valid JSON' }, { at: 4, value: DOCS[1] }]);
    expect(await countJsonLines(path)).toBe(4);
  });

  it('an array that is cut short is reported', async () => {
    const path = join(tmp.dir, 'cut.json');
    writeFileSync(path, '[{"a": 1}, {"b": ');
    expect(await read(path)).toEqual([{ at: 1, value: { a: 1 } }, { at: 2, error: 'the JSON array is not closed' }]);
  });
});
