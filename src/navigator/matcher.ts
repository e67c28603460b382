export interface EarliestMatch {
  /** Index of the pattern that matched. */
  which: number;
  start: number;
  end: number;
  groups: Record<string, string>;
}

const compiled = new Map<string, RegExp>();

/** A profile regex as the navigator matches it: `m`, so ^ and $ work per line. */
export function profileRegex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    re = new RegExp(source, 'm');
    compiled.set(source, re);
  }
  return re;
}

/**
 * The earliest match of any pattern in `text`; on a tie, the first listed wins (Expect's rule).
 * A match must not be empty: an empty match would fire on nothing and loop.
 */
export function earliestMatch(text: string, patterns: string[]): EarliestMatch | null {
  let best: EarliestMatch | null = null;
  patterns.forEach((source, which) => {
    const m = profileRegex(source).exec(text);
    if (!m || m[0].length === 0) return;
    if (!best || m.index < best.start) {
      best = { which, start: m.index, end: m.index + m[0].length, groups: { ...m.groups } };
    }
  });
  return best;
}

const compiledGlobal = new Map<string, RegExp>();
const AT_END_CHARS = 1024;
const compiledAtEnd = new Map<string, RegExp>();

/** Every match of a profile regex in `text` (the `g` form, compiled once per source). */
export function allMatches(text: string, source: string): RegExpExecArray[] {
  let re = compiledGlobal.get(source);
  if (!re) {
    re = new RegExp(source, 'gm');
    compiledGlobal.set(source, re);
  }
  return [...text.matchAll(re)].filter((m) => m[0] !== '');
}

/**
 * Whether a pattern matches at the very end of `text` (what leads up to the cursor): only
 * spaces may follow the match, on the line it ends on, and that line is not blank. This is how
 * a prompt is "at the cursor".
 */
export function matchesAtEnd(whole: string, source: string): boolean {
  // A prompt is short: only the end is looked at, so a regex that backtracks over a long line
  // (`.*`) costs little.
  const text = whole.length > AT_END_CHARS ? whole.slice(-AT_END_CHARS) : whole;
  // The last character that is not a space or tab (a loop: a regex over a long run of spaces
  // followed by anything else would take quadratic time).
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  if (end === 0 || text[end - 1] === '\n') return false;
  let re = compiledAtEnd.get(source);
  if (!re) {
    // One anchored search: a match that overlaps an earlier one is found too.
    re = new RegExp(`(?:${source})[ \\t]*$(?![\\s\\S])`, 'm');
    compiledAtEnd.set(source, re);
  }
  return re.test(text);
}
