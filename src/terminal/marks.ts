// gatewalk's own markers (where a command's output starts and ends, what the shell probe found)
// travel as OSC strings, `ESC ] 6973 ; kind ; nonce [; rest] BEL`: every terminal swallows an
// OSC it does not know, so a person watching (the viewer, `get_screen`) never sees them, and the
// echo of the typed line cannot hold one (it shows `\033` as four characters, not an escape).

export const MARK_PREFIX = '\x1b]6973;';
const BEL = '\x07';
// A real mark is short (a nonce, an exit code, a path): a longer "mark" is someone's text.
const MAX_MARK = 8192;

export interface Mark {
  /** S: output starts; E: the command ended (rest: "code;cwd"); P: the shell probe's answer. */
  kind: string;
  nonce: string;
  rest: string;
  /** The mark as it arrived, for a mark that turns out not to be ours. */
  raw: string;
}

/** How long the end of `text` is as the start of MARK_PREFIX (a mark cut by a chunk boundary). */
function partialPrefix(text: string): number {
  const from = text.lastIndexOf('\x1b', text.length - 1);
  if (from < 0 || text.length - from >= MARK_PREFIX.length) return 0;
  return MARK_PREFIX.startsWith(text.slice(from)) ? text.length - from : 0;
}

function parse(raw: string): Mark {
  const body = raw.slice(MARK_PREFIX.length, -1);
  const first = body.indexOf(';');
  const second = first < 0 ? -1 : body.indexOf(';', first + 1);
  return {
    kind: first < 0 ? body : body.slice(0, first),
    nonce: first < 0 ? '' : body.slice(first + 1, second < 0 ? undefined : second),
    rest: second < 0 ? '' : body.slice(second + 1),
    raw,
  };
}

/**
 * Splits decoded output into text and marks, in order; found by index (no regex), so a big
 * output costs one search per chunk. A mark cut by a chunk boundary is held until its end
 * arrives; nothing else is held.
 */
export class MarkScanner {
  private carry = '';

  /** The pieces of `text`: the same string back (one piece) when it holds no mark. */
  split(text: string): (string | Mark)[] {
    const s = this.carry ? this.carry + text : text;
    this.carry = '';
    const out: (string | Mark)[] = [];
    let from = 0;
    let search = 0;
    for (;;) {
      const at = s.indexOf(MARK_PREFIX, search);
      if (at < 0) break;
      const end = s.indexOf(BEL, at + MARK_PREFIX.length);
      if (end < 0 || end - at > MAX_MARK) {
        if (end < 0 && s.length - at <= MAX_MARK) {
          if (at > from) out.push(s.slice(from, at));
          this.carry = s.slice(at);
          return out;
        }
        search = at + 1;
        continue;
      }
      if (at > from) out.push(s.slice(from, at));
      out.push(parse(s.slice(at, end + 1)));
      from = search = end + 1;
    }
    const cut = s.length - partialPrefix(s.slice(Math.max(from, s.length - MARK_PREFIX.length)));
    if (cut < s.length) this.carry = s.slice(cut);
    if (from === 0 && cut === s.length) return [s];
    if (cut > from) out.push(s.slice(from, cut));
    return out;
  }

  /** What is held (a mark's beginning), handed back as text: the stream ended or moved on. */
  flush(): string {
    const held = this.carry;
    this.carry = '';
    return held;
  }
}
