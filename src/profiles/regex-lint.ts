/**
 * What a profile regex can never match, found by reading its syntax (no sampling): a `$` that a
 * character must follow (`/app $ $`), a `^` that a character must precede, a class of no
 * character (`[]`), and for a prompt read at the cursor, what the rendered screen never shows.
 * Every finding is certain: sets of characters are over-approximated (what may come next), so a
 * regex the parser does not follow gives no finding rather than a wrong one.
 */

import {
  ALL,
  LINE_END,
  NEWLINE,
  NOT_ON_SCREEN,
  union,
  intersects,
  within,
  parse,
  type Ranges,
  type Node,
} from './regex-parse.js';

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
