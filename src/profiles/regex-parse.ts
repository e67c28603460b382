// The syntax of a flag-less JS regex, as regex-lint reads it: sets of UTF-16 code units and
// a small tree. What it does not follow throws Unsupported (no finding rather than a wrong one).

export type Ranges = [number, number][];

export const MAX = 0xffff; // without the u flag a regex reads UTF-16 code units
export const ALL: Ranges = [[0, MAX]];
export const set = (...chars: (number | [number, number])[]): Ranges =>
  normalize(chars.map((c) => (typeof c === 'number' ? [c, c] : c)));
export const LINE_END = set(0x0a, 0x0d, 0x2028, 0x2029);
export const DIGIT = set([0x30, 0x39]);
export const WORD = set([0x30, 0x39], [0x41, 0x5a], 0x5f, [0x61, 0x7a]);
// prettier-ignore
export const SPACE = set([0x09, 0x0d], 0x20, 0xa0, 0x1680, [0x2000, 0x200a], 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff);
export const NEWLINE = set(0x0a);
export const ESCAPES: Record<string, Ranges> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
  n: set(0x0a),
  r: set(0x0d),
  t: set(0x09),
  v: set(0x0b),
  f: set(0x0c),
};
/**
 * Characters the rendered screen never holds: the terminal acts on control characters (a tab
 * moves the cursor, ESC starts a sequence, CR returns) instead of drawing them, and rows are
 * joined with a bare newline.
 */
export const NOT_ON_SCREEN = set([0x00, 0x09], [0x0b, 0x1f], [0x7f, 0x9f]);

export function normalize(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}
export const union = (a: Ranges, b: Ranges) => normalize([...a, ...b]);
export function complement(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of r) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}
export const intersects = (a: Ranges, b: Ranges) =>
  a.some(([lo, hi]) => b.some(([l, h]) => lo <= h && l <= hi));
export const within = (a: Ranges, b: Ranges) => a.length > 0 && !intersects(a, complement(b));

export type Node =
  | { t: 'chars'; set: Ranges; at: number }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; body: Node; min: number; max: number }
  | { t: 'anchor'; kind: '^' | '$'; at: number }
  // Lookarounds and back-references: they may consume nothing and anything; not looked into.
  | { t: 'opaque' };

export class Unsupported extends Error {}

/** A parser for the regex syntax without flags (Annex B included); throws Unsupported. */
export function parse(src: string): Node {
  let i = 0;
  const fail = (): never => {
    throw new Unsupported();
  };
  const escape = (inClass: boolean): Ranges => {
    const c = src[i++] ?? fail();
    const hex = (n: number) => {
      const digits = src.slice(i, i + n);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== n) return null;
      i += n;
      return Number.parseInt(digits, 16);
    };
    const simple = ESCAPES[c];
    if (simple) return simple;
    switch (c) {
      case 'b':
        return inClass ? set(0x08) : fail();
      case 'x': {
        const n = hex(2);
        return set(n ?? 0x78);
      }
      case 'u': {
        const n = hex(4);
        return set(n ?? 0x75);
      }
      case 'c': {
        const letter = src[i];
        if (letter && /[A-Za-z]/.test(letter)) {
          i++;
          return set(letter.charCodeAt(0) % 32);
        }
        return set(0x5c); // `\c` alone is a backslash and a c: the c is read next
      }
      default:
        if (/[0-9]/.test(c)) return fail(); // octal or a back-reference
        return set(c.charCodeAt(0));
    }
  };
  const charClass = (at: number): Node => {
    const negated = src[i] === '^';
    if (negated) i++;
    let chars: Ranges = [];
    const atom = (): Ranges => {
      const c = src[i++] ?? fail();
      return c === '\\' ? escape(true) : set(c.charCodeAt(0));
    };
    while (src[i] !== ']') {
      if (i >= src.length) fail();
      const lo = atom();
      if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
        i++;
        const hi = atom();
        const [a] = lo;
        const [b] = hi;
        // A range needs single characters at both ends; `[\d-z]` is three members (Annex B).
        if (lo.length === 1 && hi.length === 1 && a && b && a[0] === a[1] && b[0] === b[1])
          chars = union(chars, [[a[0], b[0]]]);
        else chars = union(union(union(chars, lo), hi), set(0x2d));
      } else chars = union(chars, lo);
    }
    i++;
    return { t: 'chars', set: negated ? complement(chars) : chars, at };
  };
  const alternation = (): Node => {
    const alts: Node[] = [sequence()];
    while (src[i] === '|') {
      i++;
      alts.push(sequence());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const at = i;
      const c = src[i++] as string;
      let node: Node;
      if (c === '^' || c === '$') node = { t: 'anchor', kind: c, at };
      else if (c === '.') node = { t: 'chars', set: complement(LINE_END), at };
      else if (c === '[') node = charClass(at);
      else if (c === '(') {
        if (src.startsWith('?:', i)) {
          i += 2;
          node = alternation();
        } else if (/^\?<?[=!]/.test(src.slice(i, i + 3))) {
          // A lookaround: skipped whole, its contents not judged.
          i += src[i + 1] === '<' ? 3 : 2;
          alternation();
          node = { t: 'opaque' };
        } else {
          if (src[i] === '?') {
            const end = src.indexOf('>', i);
            if (src[i + 1] !== '<' || end < 0) fail();
            i = end + 1;
          }
          node = alternation();
        }
        if (src[i++] !== ')') fail();
      } else if (c === '\\') {
        const e = src[i];
        if (e === 'b' || e === 'B') {
          i++;
          continue; // word boundaries consume nothing and constrain little
        }
        if (e !== undefined && /[1-9k]/.test(e)) {
          if (e === 'k') {
            const end = src.indexOf('>', i);
            if (src[i + 1] !== '<' || end < 0) fail();
            i = end + 1;
          } else while (src[i] !== undefined && /[0-9]/.test(src[i] as string)) i++;
          node = { t: 'opaque' };
        } else node = { t: 'chars', set: escape(false), at };
      } else node = { t: 'chars', set: set(c.charCodeAt(0)), at };
      const q = /^(?:([*+?])|\{(\d+)(?:(,)(\d*))?\})\??/.exec(src.slice(i));
      if (q) {
        i += q[0].length;
        const min = q[1] ? (q[1] === '+' ? 1 : 0) : Number(q[2]);
        const max = q[1] ? (q[1] === '?' ? 1 : Infinity) : q[3] ? Number(q[4] || Infinity) : min;
        node = { t: 'rep', body: node, min, max };
      }
      items.push(node);
    }
    return { t: 'seq', items };
  };
  const root = alternation();
  if (i !== src.length) fail();
  return root;
}
