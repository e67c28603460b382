// An agent's regex (wait_for, send_text's wait_for) runs on RE2 (re2js), a linear-time engine:
// no pattern can backtrack, so none can hold the event loop the way `(a+)+$` does in JS RegExp
// (issue 13). Profile regexes stay JS RegExp: they are the profile author's, and `validate`
// warns about the risky ones.
//
// Linear is not free: RE2's slowest path (its NFA) costs about 25 ns per program step per
// character, so the text one search looks at shrinks as the program grows, keeping a search
// under about 40 ms whatever the pattern.
import { RE2JS } from 're2js';
import { GatewalkError } from '../errors.js';
import { LIMITS } from '../mcp/limits.js';

export interface AgentMatch {
  /** Offsets in the text searched (UTF-16 code units, as String#slice counts). */
  start: number;
  end: number;
  text: string;
}

export interface AgentRegex {
  readonly source: string;
  /** The first non-empty match in the last `window` characters of `text`, or null. */
  find(text: string): AgentMatch | null;
  /** How many characters at the end of a text one search looks at. */
  readonly window: number;
}

/** Program steps a pattern may compile to (a literal character or a class is one). */
export const MAX_PROGRAM = 500;
/** Steps x characters one search may cost (about 40 ms on RE2's slowest path). */
const WORK = 1024 * 1024;
/** The most text one search looks at: what wait_for has always kept of the output. */
const MAX_WINDOW = 64 * 1024;
const MIN_WINDOW = 2 * 1024;
/** Lookbehinds run on the NFA only, which is slower per step. */
const LOOKBEHIND_COST = 4;

/** The pattern as errors show it: a long one is cut (errors stay short). */
function shown(source: string): string {
  return source.length > 80
    ? `/${source.slice(0, 80)}…/ (${source.length} characters)`
    : `/${source}/`;
}

interface Syntax {
  lookbehind: boolean;
}

/**
 * Refuses, with what to write instead, the JS syntax RE2 cannot run in linear time:
 * backreferences and lookaheads. Lookbehinds without captures RE2 can run.
 */
function checkSyntax(source: string, what: string): Syntax {
  const unsupported = (message: string) =>
    new GatewalkError('pattern_unsupported', `${what} ${shown(source)} ${message}`);
  let inClass = false;
  let lookbehind = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')))
        throw unsupported(
          `uses a backreference (\\${next === 'k' ? 'k<name>' : next}), which agent patterns do not support (they run on a linear-time engine): write the repeated text out, e.g. (ab)ab instead of (ab)\\1, or match it loosely, e.g. \\w+`,
        );
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!'))
        throw unsupported(
          `uses a lookahead (${source.slice(i, i + 3)}), which agent patterns do not support (they run on a linear-time engine): match the text that follows itself, e.g. "foo bar" instead of "foo(?= bar)", or exclude it with a class, e.g. "foo[^b]" instead of "foo(?!b)"`,
        );
      if (kind === '<=' || kind === '<!') lookbehind = true;
    }
  }
  return { lookbehind };
}

/**
 * Compiles an agent's pattern once, for the searches of one call. `m` semantics as before
 * (^ and $ per line); inline flags like (?i) work too. Every refusal is a GatewalkError whose
 * message says what to write instead; nothing the engine throws gets out as an internal error.
 */
export function compileAgentRegex(source: string, what = 'pattern'): AgentRegex {
  if (source.length > LIMITS.pattern)
    throw new GatewalkError(
      'pattern_too_long',
      `${what} has ${source.length} characters, more than the ${LIMITS.pattern} allowed: wait for a shorter, distinctive part of the text`,
    );
  const { lookbehind } = checkSyntax(source, what);
  let re: RE2JS;
  try {
    re = RE2JS.compile(
      RE2JS.translateRegExp(source),
      RE2JS.MULTILINE | (lookbehind ? RE2JS.LOOKBEHINDS : 0),
    );
  } catch (err) {
    // RE2JSSyntaxException, and anything else (a stack overflow on deep nesting) the same way.
    const why = (err instanceof Error ? err.message : String(err)).replace(
      /^error parsing regexp: /,
      '',
    );
    throw new GatewalkError(
      'pattern_invalid',
      `${what} ${shown(source)} does not compile: ${why.slice(0, 200)}. Agent patterns are RE2 regexes (JS syntax without backreferences and lookaheads)`,
    );
  }
  const steps = re.re2Input.numberOfInstructions() * (lookbehind ? LOOKBEHIND_COST : 1);
  if (re.re2Input.numberOfInstructions() > MAX_PROGRAM)
    throw new GatewalkError(
      'pattern_too_complex',
      `${what} ${shown(source)} compiles to ${re.re2Input.numberOfInstructions()} steps, more than the ${MAX_PROGRAM} allowed: use smaller counts ({n}), fewer alternatives, or wait for a shorter part of the text`,
    );
  // A pattern that matches nothing at all would match anywhere at once: today's rule (a match
  // must not be empty) made such a wait never end; say so instead.
  if (re.test(''))
    throw new GatewalkError(
      'pattern_invalid',
      `${what} ${shown(source)} matches empty text, so it says nothing about the screen: make it require at least one character (e.g. "\\$ $" rather than "$")`,
    );
  const window = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, Math.floor(WORK / steps)));
  return {
    source,
    window,
    find(text) {
      const offset = Math.max(0, text.length - window);
      const part = offset ? text.slice(offset) : text;
      // test() asks for no positions, so RE2 may answer on its DFA: the common "not there
      // yet" stays cheap, and the slower search for positions runs once, when it is there.
      if (!re.test(part)) return null;
      const m = re.matcher(part);
      if (!m.find() || m.end() === m.start()) return null;
      return {
        start: offset + m.start(),
        end: offset + m.end(),
        text: part.slice(m.start(), m.end()),
      };
    },
  };
}
