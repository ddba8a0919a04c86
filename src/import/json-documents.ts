import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** One document of a JSON source, or why it could not be parsed; `at` is its line (JSON lines) or position (array). */
export type JsonDocument = { at: number; value: unknown } | { at: number; error: string };

/**
 * The documents of a file holding JSON lines or one JSON array of documents
 * (mongoexport's two forms), read as a stream: memory stays flat whatever
 * the file's size. The form is told by the first non-blank character.
 */
export async function* readJsonDocuments(path: string): AsyncGenerator<JsonDocument> {
  if ((await firstChar(path)) === '[') yield* readArray(path);
  else yield* readLines(path);
}

/** Lines in the file: the document count of a JSON lines file (an upper bound: blank lines count), for progress. */
export async function countJsonLines(path: string): Promise<number | undefined> {
  if ((await firstChar(path)) === '[') return undefined;
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? n : n + 1;
}

async function firstChar(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return /[^\s\uFEFF]/.exec(buf.subarray(0, bytesRead).toString('utf8'))?.[0];
  } finally {
    await fh.close();
  }
}

async function* readLines(path: string): AsyncGenerator<JsonDocument> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let at = 0;
  for await (const line of lines) {
    at++;
    if (line.trim() === '') continue;
    yield parse(line.replace(/^\uFEFF/, ''), at);
  }
}

/**
 * The elements of a top-level JSON array, each parsed on its own as soon as
 * it is complete. Only the array's own brackets and commas are interpreted
 * here (tracking depth and strings); JSON.parse judges each element.
 */
async function* readArray(path: string): AsyncGenerator<JsonDocument> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let ended = false;
  let element = '';
  let at = 0;
  for await (const chunk of createReadStream(path, 'utf8') as AsyncIterable<string>) {
    let from = 0;
    const out: JsonDocument[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (!started) { started = true; depth = 1; from = i + 1; continue; }
        depth++;
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
        if (depth === 0 && started && !ended) {
          element += chunk.slice(from, i);
          if (element.trim() !== '') out.push(parse(element, ++at));
          element = '';
          ended = true;
          from = chunk.length;
          break;
        }
      } else if (c === 0x2c && depth === 1) {
        element += chunk.slice(from, i);
        out.push(parse(element, ++at));
        element = '';
        from = i + 1;
      }
    }
    if (started && !ended) element += chunk.slice(from);
    yield* out;
    if (ended) return;
  }
  if (!ended) yield { at: at + 1, error: 'the JSON array is not closed' };
}

function parse(text: string, at: number): JsonDocument {
  try {
    return { at, value: JSON.parse(text) as unknown };
  } catch {
    return { at, error: 'not valid JSON' };
  }
}
