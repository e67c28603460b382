/**
 * What a profile regex can never match, found by reading its syntax (no sampling): a `$` that a
 * character must follow (`/app $ $`), a `^` that a character must precede, a class of no
 * character (`[]`), and for a prompt read at the cursor, what the rendered screen never shows.
 * Every finding is certain: sets of characters are over-approximated (what may come next), so a
 * regex the parser does not follow gives no finding rather than a wrong one.
 */

type Ranges = [number, number][];

const MAX = 0xffff; // without the u flag a regex reads UTF-16 code units
const ALL: Ranges = [[0, MAX]];
const set = (...chars: (number | [number, number])[]): Ranges =>
  normalize(chars.map((c) => (typeof c === 'number' ? [c, c] : c)));
const LINE_END = set(0x0a, 0x0d, 0x2028, 0x2029);
const DIGIT = set([0x30, 0x39]);
const WORD = set([0x30, 0x39], [0x41, 0x5a], 0x5f, [0x61, 0x7a]);
// prettier-ignore
const SPACE = set([0x09, 0x0d], 0x20, 0xa0, 0x1680, [0x2000, 0x200a], 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff);
const NEWLINE = set(0x0a);
const ESCAPES: Record<string, Ranges> = {
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
const NOT_ON_SCREEN = set([0x00, 0x09], [0x0b, 0x1f], [0x7f, 0x9f]);

function normalize(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}
const union = (a: Ranges, b: Ranges) => normalize([...a, ...b]);
function complement(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of r) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}
const intersects = (a: Ranges, b: Ranges) =>
  a.some(([lo, hi]) => b.some(([l, h]) => lo <= h && l <= hi));
const within = (a: Ranges, b: Ranges) => a.length > 0 && !intersects(a, complement(b));

type Node =
  | { t: 'chars'; set: Ranges; at: number }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; body: Node; min: number; max: number }
  | { t: 'anchor'; kind: '^' | '$'; at: number }
  // Lookarounds and back-references: they may consume nothing and anything; not looked into.
  | { t: 'opaque' };

class Unsupported extends Error {}

/** A parser for the regex syntax without flags (Annex B included); throws Unsupported. */
function parse(src: string): Node {
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

/** What may stand next to a node (first or last character) and whether it may be empty. */
interface Edge {
  chars: Ranges;
  empty: boolean;
}

function edge(node: Node, side: 'first' | 'last'): Edge {
  switch (node.t) {
    case 'chars':
      return { chars: node.set, empty: false };
    case 'anchor':
      return { chars: [], empty: true };
    case 'opaque':
      return { chars: ALL, empty: true };
    case 'rep': {
      const body = edge(node.body, side);
      return { chars: body.chars, empty: node.min === 0 || body.empty };
    }
    case 'alt': {
      const all = node.alts.map((a) => edge(a, side));
      return {
        chars: all.reduce<Ranges>((acc, e) => union(acc, e.chars), []),
        empty: all.some((e) => e.empty),
      };
    }
    case 'seq':
      return edgeOf(side === 'first' ? node.items : [...node.items].reverse(), side, {
        chars: [],
        empty: true,
      });
  }
}

/** The edge of items in order, then of `then` when all of them may be empty. */
function edgeOf(items: Node[], side: 'first' | 'last', then: Edge): Edge {
  let chars: Ranges = [];
  for (const item of items) {
    const e = edge(item, side);
    chars = union(chars, e.chars);
    if (!e.empty) return { chars, empty: false };
  }
  return { chars: union(chars, then.chars), empty: then.empty };
}

export interface DeadAnchor {
  kind: '^' | '$';
  /** Index in the regex as written to the parser. */
  at: number;
  /** A character that must stand next to it, as text for a message. */
  neighbour: string;
}

/** Anchors no match can pass: `$` before a character that is not a line end, `^` after one. */
function deadAnchors(root: Node, multiline: boolean): DeadAnchor[] {
  const out: DeadAnchor[] = [];
  const open: Edge = { chars: [], empty: true };
  const visit = (node: Node, before: Edge, after: Edge) => {
    if (node.t === 'anchor') {
      const near = node.kind === '$' ? after : before;
      const blocked = !near.empty && (!multiline || !intersects(near.chars, LINE_END));
      const first = near.chars[0];
      if (blocked && first) out.push({ kind: node.kind, at: node.at, neighbour: shown(first[0]) });
    } else if (node.t === 'alt') for (const a of node.alts) visit(a, before, after);
    else if (node.t === 'rep') {
      // A repeated body may follow (and precede) itself.
      const again = node.max > 1;
      const join = (e: Edge, side: 'first' | 'last') => {
        const own = edge(node.body, side);
        return again ? { chars: union(e.chars, own.chars), empty: e.empty || own.empty } : e;
      };
      visit(node.body, join(before, 'last'), join(after, 'first'));
    } else if (node.t === 'seq') {
      node.items.forEach((item, k) => {
        const b = edgeOf(node.items.slice(0, k).reverse(), 'last', before);
        const a = edgeOf(node.items.slice(k + 1), 'first', after);
        visit(item, b, a);
      });
    }
  };
  visit(root, open, open);
  return out;
}

function shown(code: number): string {
  return code === 0x20 ? 'a space' : JSON.stringify(String.fromCharCode(code));
}

/** Whether some input can match, with the dead anchors blocking. */
function possible(node: Node, dead: Set<number>): boolean {
  switch (node.t) {
    case 'chars':
      return node.set.length > 0;
    case 'anchor':
      return !dead.has(node.at);
    case 'opaque':
      return true;
    case 'rep':
      return node.min === 0 || possible(node.body, dead);
    case 'alt':
      return node.alts.some((a) => possible(a, dead));
    case 'seq':
      return node.items.every((n) => possible(n, dead));
  }
}

/** How many characters of `chars` every match holds at least. */
function leastOf(node: Node, chars: Ranges): number {
  switch (node.t) {
    case 'chars':
      return within(node.set, chars) ? 1 : 0;
    case 'rep':
      return node.min * leastOf(node.body, chars);
    case 'alt':
      return Math.min(...node.alts.map((a) => leastOf(a, chars)));
    case 'seq':
      return node.items.reduce((n, item) => n + leastOf(item, chars), 0);
    default:
      return 0;
  }
}

/** A character every match needs from `chars`, or null. */
function needed(node: Node, chars: Ranges): number | null {
  switch (node.t) {
    case 'chars':
      return within(node.set, chars) ? (node.set[0]?.[0] ?? null) : null;
    case 'rep':
      return node.min > 0 ? needed(node.body, chars) : null;
    case 'alt': {
      const each = node.alts.map((a) => needed(a, chars));
      return each.every((c) => c !== null) ? (each[0] ?? null) : null;
    }
    case 'seq':
      for (const item of node.items) {
        const c = needed(item, chars);
        if (c !== null) return c;
      }
      return null;
    default:
      return null;
  }
}

export interface RegexFindings {
  /** Nothing can match the regex. */
  never: string | null;
  /** Anchors that cannot match, in a regex that still can through another branch. */
  dead: string[];
}

const CARET = 'write `\\^` for a literal caret';
const DOLLAR = 'write `\\$` for a literal dollar';

function anchorMessage(d: DeadAnchor, multiline: boolean): string {
  const where = d.kind === '$' ? 'a line end' : 'a line start';
  const end = multiline ? where : d.kind === '$' ? 'the end' : 'the start';
  const side = d.kind === '$' ? 'follows' : 'precedes';
  return `the \`${d.kind}\` at character ${d.at + 1} matches only at ${end}, and ${d.neighbour} ${side} it; ${d.kind === '$' ? DOLLAR : CARET}`;
}

/**
 * What a regex can never match. `multiline`: compiled with the m flag (^ and $ at line ends),
 * as prompts, waits and handlers are. `atCursor`: read on the rendered screen up to the cursor
 * (prompts, page_end): `rows` rows at most, so at most rows - 1 line breaks.
 * Placeholders are to be filled (or taken out) before.
 */
export function regexFindings(
  source: string,
  {
    multiline,
    atCursor = false,
    rows = 4,
  }: { multiline: boolean; atCursor?: boolean; rows?: number },
): RegexFindings {
  const { regex, origin } = withoutPlaceholders(source);
  let root: Node;
  try {
    new RegExp(regex, multiline ? 'm' : '');
    root = parse(regex);
  } catch {
    return { never: null, dead: [] };
  }
  const dead = deadAnchors(root, multiline);
  const messages = dead.map((d) => anchorMessage({ ...d, at: origin(d.at) }, multiline));
  if (!possible(root, new Set(dead.map((d) => d.at)))) {
    const empty = findEmptyClass(root);
    const never =
      messages[0] ??
      (empty === null
        ? 'nothing matches it'
        : `the class at character ${origin(empty) + 1} holds no character`);
    return { never, dead: [] };
  }
  if (atCursor) {
    const hidden = needed(root, NOT_ON_SCREEN);
    if (hidden !== null)
      return {
        never: `it needs ${describeControl(hidden)}, which the screen never shows (a terminal acts on it instead of drawing it); prompts are matched against the screen as drawn: write what is drawn (a space for a tab)`,
        dead: messages,
      };
    const end = edge(root, 'last');
    if (!end.empty && within(end.chars, LINE_END))
      return {
        never:
          'it ends with a line break: a prompt is matched where it ends, at the cursor, on a line that is not blank; end the regex with what the prompt line shows',
        dead: messages,
      };
    const breaks = leastOf(root, NEWLINE);
    if (breaks >= rows)
      return {
        never: `it needs ${breaks} line breaks: a prompt is matched against the ${rows} screen rows up to the cursor (${rows - 1} line breaks at most); match the last lines of the prompt only`,
        dead: messages,
      };
  }
  return { never: null, dead: messages };
}

function describeControl(code: number): string {
  const names: Record<number, string> = {
    0x09: 'a tab (\\t)',
    0x0d: 'a carriage return (\\r)',
    0x1b: 'ESC (\\x1b, a colour or other escape sequence)',
  };
  return names[code] ?? `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function findEmptyClass(node: Node): number | null {
  switch (node.t) {
    case 'chars':
      return node.set.length === 0 ? node.at : null;
    case 'rep':
      return node.min > 0 ? findEmptyClass(node.body) : null;
    case 'alt':
      return node.alts.map(findEmptyClass).find((n) => n !== null) ?? null;
    case 'seq':
      return node.items.map(findEmptyClass).find((n) => n !== null) ?? null;
    default:
      return null;
  }
}

/**
 * The regex with `${name}` taken out: a value is escaped text without line breaks, possibly
 * empty, so leaving it out keeps every finding true whatever the value. `$${name}` is the
 * literal text. `origin` maps an index back to the regex as written.
 */
function withoutPlaceholders(source: string): { regex: string; origin: (i: number) => number } {
  let regex = '';
  const from: number[] = [];
  let last = 0;
  const copy = (text: string, at: number, same: boolean) => {
    for (let k = 0; k < text.length; k++) from.push(same ? at + k : at);
    regex += text;
  };
  for (const m of source.matchAll(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    copy(source.slice(last, m.index), last, true);
    const literal = m[0].startsWith('$$');
    copy(literal ? m[0].slice(1).replace(/[${}]/g, '\\$&') : '', m.index, false);
    last = m.index + m[0].length;
  }
  copy(source.slice(last), last, true);
  return { regex, origin: (i) => from[i] ?? source.length };
}
