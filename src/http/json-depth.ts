/**
 * No body this API takes nests deeper than 2 (an object holding a `scopes`
 * array); 32 leaves room and keeps any code that walks a body recursively
 * (a JSON.parse reviver, a validator, a logger) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether JSON text nests arrays/objects deeper than `max`: one linear scan, before any parser recurses. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The error for a body nested too deeply: malformed JSON (400) to every face's mapper. */
export const tooDeep = (): SyntaxError => Object.assign(new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH}`), { statusCode: 400 });
