// Secret values hidden in screens, results and transcripts (a small module: the shell's framing
// and the MCP tools use it without loading the navigator).
//
// Masking must not confirm a guess. If only the secret itself were masked, an agent could print
// 20,000 candidates (`printf '%s\n' ...`, or base64-encoded and decoded on the remote, which no
// check of the agent's own input can see) and read which one came back masked. So what is masked
// is a *shape*, never a value: every word of the secret's shape is masked, whoever printed it.
//
// - A word is a run that is not glued to a letter or digit on either side.
// - A secret's shape: its length; where it has a character other than a letter or digit, that
//   same character; elsewhere any letter or digit; and the same kinds of letters and digits as a
//   whole (upper case, other letters, digits).
// - Masking depends on the shape alone, so a candidate and the secret of the same shape look
//   alike. What is left to learn: that some secret has that shape.
// - Secrets shorter than MIN_SECRET_LENGTH are not masked at all: every word of their shape
//   (every 6-digit number, for a one-time code) would go with them.

/** Shorter secrets are not masked: their shape covers ordinary words. */
export const MIN_SECRET_LENGTH = 8;

const UPPER = 1;
const LETTER = 2;
const DIGIT = 4;
const OTHER_UPPER = /\p{Lu}/u;
const OTHER_LETTER = /\p{L}/u;
const OTHER_DIGIT = /\p{N}/u;

/** The kind of a letter or digit (0 for anything else). */
function kindOf(ch: string): number {
  return kindAt(ch, 0);
}

function kindAt(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c < 0x80) {
    if (c >= 0x61 && c <= 0x7a) return LETTER;
    if (c >= 0x41 && c <= 0x5a) return UPPER;
    if (c >= 0x30 && c <= 0x39) return DIGIT;
    return 0;
  }
  if (Number.isNaN(c)) return 0;
  const ch = text.charAt(at);
  if (OTHER_UPPER.test(ch)) return UPPER;
  if (OTHER_LETTER.test(ch)) return LETTER;
  return OTHER_DIGIT.test(ch) ? DIGIT : 0;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && kindOf(ch) !== 0;
}

export interface Shape {
  /** Per position: the character itself where it is not a letter or digit, else null. */
  chars: (string | null)[];
  kinds: number;
  /** Letters and digits before its first other character: a quick test that rules most words out. */
  firstRun: number;
}

/** The shapes of the secrets long enough to mask, each once, longest first. */
export function shapesOf(secrets: Iterable<string>): Shape[] {
  const byKey = new Map<string, Shape>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    let kinds = 0;
    const chars: (string | null)[] = [];
    for (const ch of secret.split('')) {
      const kind = kindOf(ch);
      kinds |= kind;
      chars.push(kind === 0 ? ch : null);
    }
    const key = `${kinds}:${chars.map((c) => (c === null ? '\0' : c)).join('')}`;
    const literal = chars.findIndex((c) => c !== null);
    byKey.set(key, { chars, kinds, firstRun: literal < 0 ? chars.length : literal });
  }
  return [...byKey.values()].sort((a, b) => b.chars.length - a.chars.length);
}

/** Where a line may be read on across a newline: a screen row the word wrapped from. */
export type Crossing = (newline: number) => boolean;

const never: Crossing = () => false;

/** The end of a word of `shape` at `start`; -1: none; -2: cannot tell before more text comes. */
function matchAt(text: string, start: number, shape: Shape, cross: Crossing, final: boolean) {
  let i = start;
  let kinds = 0;
  for (let k = 0; k < shape.chars.length; k++) {
    if (k > 0 && text[i] === '\n' && cross(i)) i++;
    const ch = text[i];
    if (ch === undefined) return final ? -1 : -2;
    const want = shape.chars[k];
    if (want === null || want === undefined) {
      const kind = kindOf(ch);
      if (kind === 0) return -1;
      kinds |= kind;
    } else if (ch !== want) return -1;
    i++;
  }
  if (kinds !== shape.kinds) return -1;
  if (i >= text.length) return final ? i : -2;
  return isWordChar(text[i]) ? -1 : i;
}

export interface Scanned {
  out: string;
  /** Where the scan stopped: the rest may still become a masked word (only when not final). */
  stop: number;
}

/**
 * Masks every word of one of `shapes` in text, left to right, the longest shape first at a
 * position. `before` is the character that came before text (a stream's). Not final: stops
 * where more text is needed to decide.
 */
export function scan(
  text: string,
  shapes: Shape[],
  replacement: string,
  options: { before?: string; final: boolean; cross?: Crossing },
): Scanned {
  if (shapes.length === 0) return { out: text, stop: text.length };
  const cross = options.cross ?? never;
  let out = '';
  let from = 0;
  let i = 0;
  outer: while (i < text.length) {
    if (i === 0 ? isWordChar(options.before) : kindAt(text, i - 1) !== 0) {
      i++;
      continue;
    }
    // The run of letters and digits here: most words are ruled out by its length alone.
    let run = 0;
    while (i + run < text.length && kindAt(text, i + run) !== 0) run++;
    // Unless the run may go on: more text to come, or a row the word wraps from.
    const open = i + run >= text.length || (text[i + run] === '\n' && cross(i + run));
    for (const shape of shapes) {
      if (run !== shape.firstRun && !open) continue;
      const end = matchAt(text, i, shape, cross, options.final);
      if (end === -2) return { out: out + text.slice(from, i), stop: i };
      if (end >= 0) {
        out += text.slice(from, i) + replacement;
        i = from = end;
        continue outer;
      }
    }
    // Inside the run no word starts.
    i += Math.max(1, run);
  }
  return { out: out + text.slice(from), stop: text.length };
}

/**
 * Screens come as rows: a word wrapped at the right edge goes on after the newline that ends
 * a full row (trimmed rows: the longest ones). The rule looks at the layout only, never at what
 * is on it.
 */
function rowCrossing(text: string): Crossing {
  if (!text.includes('\n')) return never;
  let longest = 0;
  let start = 0;
  for (const line of text.split('\n')) longest = Math.max(longest, line.length);
  const full = new Set<number>();
  for (const line of text.split('\n')) {
    start += line.length;
    if (line.length === longest) full.add(start);
    start += 1;
  }
  return (newline) => full.has(newline);
}

/**
 * Masks, as `******`, every word of a secret's shape in text (a screen, a result, an error):
 * compiled once for a set of secrets. A word may wrap across screen rows.
 */
export function redacter(secrets: string[]): (text: string) => string {
  const shapes = shapesOf(secrets);
  return (text) =>
    shapes.length === 0
      ? text
      : scan(text, shapes, '******', { final: true, cross: rowCrossing(text) }).out;
}

export function redact(text: string, secrets: string[]): string {
  return redacter(secrets)(text);
}
