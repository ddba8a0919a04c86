import { InvalidUsername } from './errors.js';

/**
 * Usernames follow PRECIS (RFC 8264/8265): what is stored is the
 * UsernameCasePreserved form (width-mapped, NFC, IdentifierClass), and names
 * are compared in the UsernameCaseMapped form (case-folded, normalizeLogin).
 * On top of that, a name whose UTS #39 skeleton equals an existing one's is
 * taken (store/username-skeleton.ts, a unique index): "аdmin" with a Cyrillic
 * "а" cannot sit beside "admin". Not implemented from RFC 8264: the Bidi rule
 * (RFC 5893) and the contextual rules for joiners, which are refused outright.
 */

const MAX_LENGTH = 64;

// Halfwidth and Fullwidth Forms, and the ideographic space: width mapping (RFC 8265 §3.3.2 step 1).
const WIDE_OR_NARROW = /[\u3000\uFF01-\uFFEE]/gu;
// IdentifierClass PVALID outside ASCII: letters, digits, marks (RFC 8264 §9.1 LetterDigits).
const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}\p{Mn}\p{Mc}]$/u;
// Invisible or layout-only: zero-width spaces and joiners, bidi controls, fillers, variation selectors.
const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
// RFC 5892 exceptions DISALLOWED despite being letters (tatweel, Nko lajanyalan, vertical kana repeat marks, Hangul tone marks).
const EXCEPTIONS = /^[\u0640\u07FA\u302E\u302F\u3031-\u3035\u303B]$/u;

function refusal(cp: string): string | undefined {
  if (cp >= '!' && cp <= '~') return cp === '@' ? 'a username cannot contain "@" (that makes it an email)' : undefined;
  if (/^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]$/u.test(cp) || IGNORABLE.test(cp)) return 'a username cannot contain control or invisible characters';
  if (/^[\p{Z}\s]$/u.test(cp)) return 'a username cannot contain spaces';
  if (!LETTER_DIGIT.test(cp) || EXCEPTIONS.test(cp)) return 'a username may hold letters, digits and ASCII punctuation only';
  // HasCompat (RFC 8264 §9.17): a compatibility variant ("ﬁ", "²", "ℌ") would compare equal to another name.
  if (cp.normalize('NFKC') !== cp) return 'a username cannot contain compatibility characters (ligatures, superscripts, styled letters)';
  return undefined;
}

/** The stored form of a username, or InvalidUsername saying why it is refused. */
export function prepareUsername(raw: string): string {
  const mapped = raw.replace(WIDE_OR_NARROW, (c) => c.normalize('NFKC')).normalize('NFC');
  const points = [...mapped];
  if (points.length === 0 || points.length > MAX_LENGTH) throw new InvalidUsername(`a username has 1 to ${MAX_LENGTH} characters`);
  for (const cp of points) {
    const why = refusal(cp);
    if (why) throw new InvalidUsername(why);
  }
  return mapped;
}
