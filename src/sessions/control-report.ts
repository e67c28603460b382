// What a person did while holding a session's keyboard in the viewer, told to the agent once it
// is handed back: the lines they entered, rebuilt from their keys as a line editor would (a line
// the remote did not echo, a password, shown as ******), and the screen's last rows.
//
// Echo is judged from the client side, on the stream: each character the person inserted must
// come back in the output, in order (other output between them is fine: a prompt, a redraw).
// A line is looked at from its first key until its Enter is answered: the first line break after
// the Enter, the person's next key (they saw the answer and went on), the hand-back, or
// 2 x (characters not yet echoed) + 2 printable characters after the Enter (a pending echo is at
// most that long; the prompt that follows a password must not be read as its echo). A line pasted
// behind another (several lines in one write) is echoed after the prompt the line before brings:
// it must come back whole, in one run, within a prompt's length more. When in doubt a line is
// masked: a late echo masks a harmless line, it never shows a password.
import { AnsiStripper } from '../terminal/ansi.js';
import { MIN_SECRET_LENGTH } from '../util/redact.js';

/** Lines entered shown at most (the last ones: the agent goes on from there). */
export const REPORT_LINES = 50;
/** Characters of one line or screen row shown at most. */
export const REPORT_LINE_CHARS = 200;
/** The screen's last non-empty rows shown. */
export const REPORT_SCREEN_ROWS = 10;
/** What a line typed with echo off shows as. */
export const MASK = '******';
/** A prompt's length, at most, before the echo of a line pasted behind another. */
const PROMPT_ALLOWANCE = 256;
/** Characters of one line kept in memory (a paste of a file must not grow without end). */
const KEPT_CHARS = 4096;

/** One key's effect: a character typed, or a marker for a key whose effect is the remote's. */
interface Token {
  text: string;
  typed: boolean;
}

class TypedLine {
  tokens: Token[] = [];
  cursor = 0;
  /** Every character inserted, in order (erased ones too: their echo came as well). */
  inserted: string[] = [];
  /** How many of `inserted` came back in the output so far. */
  matched = 0;
  /** After the Enter: printable output characters still looked at. */
  budget = 0;
  /** How it ended: '' for Enter, '^C', '^D', '^Z'. */
  end = '';

  /**
   * Entered behind another line still waiting (a paste of several lines): its echo comes after
   * the prompt the line before brings, so it must come back whole, in one run.
   */
  whole: string | null = null;
  private tail = '';

  see(ch: string): void {
    if (this.whole === null) {
      if (this.matched < this.inserted.length && ch === this.inserted[this.matched]) this.matched++;
      return;
    }
    this.tail = (this.tail + ch).slice(-this.whole.length);
    if (this.tail === this.whole) this.matched = this.inserted.length;
  }

  insert(ch: string, typed: boolean): void {
    if (this.tokens.length >= KEPT_CHARS) return;
    this.tokens.splice(this.cursor++, 0, { text: ch, typed });
    if (typed) this.inserted.push(ch);
  }

  erase(from: number, to: number): void {
    const a = Math.max(0, from);
    const b = Math.min(this.tokens.length, to);
    if (b <= a) return;
    this.tokens.splice(a, b - a);
    if (this.cursor > b) this.cursor -= b - a;
    else if (this.cursor > a) this.cursor = a;
  }

  /** The characters that make the line (without the markers): what the remote was given. */
  value(): string {
    return this.tokens
      .filter((t) => t.typed)
      .map((t) => t.text)
      .join('');
  }

  text(): string {
    return this.tokens.map((t) => t.text).join('');
  }
}

// Keys as xterm.js sends them (normal and application cursor modes).
const MOVES: Record<string, 'left' | 'right' | 'home' | 'end' | 'delete'> = {
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
};
const MARKERS: Record<string, string> = {
  '\x1b[A': '<Up>',
  '\x1bOA': '<Up>',
  '\x1b[B': '<Down>',
  '\x1bOB': '<Down>',
  '\t': '<Tab>',
  '\x1b': '<Esc>',
};
// Bracketed paste's wrappers, and keys that change nothing on the line.
const IGNORED = new Set(['\x1b[200~', '\x1b[201~', '\x0c', '\x00']);

/** Splits what a person typed into keys: an escape sequence whole, a CR LF as one Enter. */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  // eslint-disable-next-line no-control-regex -- escape sequences are what this reads
  const re = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O[@-~]|[^[O])?|\r\n?|[\s\S]/gu;
  for (const m of data.matchAll(re)) keys.push(m[0].startsWith('\r') ? '\r' : m[0]);
  return keys;
}

function printable(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0);
}

/** The lines a person entered, rebuilt from their keys and judged by the echo that came back. */
export class KeyLog {
  private current: TypedLine | null = null;
  /** Entered, their echo not judged yet (oldest first: output answers them in order). */
  private waiting: TypedLine[] = [];
  private readonly stripper = new AnsiStripper();
  /** The last REPORT_LINES lines entered, as shown. */
  readonly lines: string[] = [];
  /** Lines entered before those, not kept. */
  earlier = 0;

  /** `onSecret`: the value of a line entered with echo off (a password), to redact from then on. */
  constructor(private readonly onSecret: (value: string) => void) {}

  typed(data: string): void {
    // A new key: lines entered before it had their answer (the person saw it and went on).
    while (this.waiting.length > 0) this.judge(this.waiting.shift() as TypedLine);
    for (const key of splitKeys(data)) this.key(key);
  }

  heard(output: string): void {
    for (const ch of this.stripper.push(output)) {
      const line = this.waiting[0];
      if (!line) {
        if (this.current && printable(ch)) this.current.see(ch);
        continue;
      }
      if (ch === '\n') {
        this.judge(this.waiting.shift() as TypedLine);
        continue;
      }
      if (!printable(ch)) continue;
      line.see(ch);
      if (--line.budget <= 0) this.judge(this.waiting.shift() as TypedLine);
    }
  }

  /** Control is handed back: lines entered so far are judged now (the person's turn is over). */
  settle(): void {
    while (this.waiting.length > 0) this.judge(this.waiting.shift() as TypedLine);
  }

  /** The line still being typed, not entered (masked unless its characters came back). */
  unfinished(): string | null {
    const line = this.current;
    if (!line || line.tokens.length === 0) return null;
    return clip(line.matched >= line.inserted.length ? line.text() : MASK, REPORT_LINE_CHARS);
  }

  private key(key: string): void {
    if (IGNORED.has(key)) return;
    const line = (this.current ??= new TypedLine());
    if (key === '\r' || key === '\n') return this.enter('');
    if (key === '\x03') return this.enter('^C');
    if (key === '\x1a') return this.enter('^Z');
    if (key === '\x04') return line.tokens.length === 0 ? this.enter('^D') : undefined;
    const move = MOVES[key];
    if (move === 'left' || key === '\x02') line.cursor = Math.max(0, line.cursor - 1);
    else if (move === 'right' || key === '\x06')
      line.cursor = Math.min(line.tokens.length, line.cursor + 1);
    else if (move === 'home' || key === '\x01') line.cursor = 0;
    else if (move === 'end' || key === '\x05') line.cursor = line.tokens.length;
    else if (move === 'delete') line.erase(line.cursor, line.cursor + 1);
    else if (key === '\x7f' || key === '\b') line.erase(line.cursor - 1, line.cursor);
    else if (key === '\x15') line.erase(0, line.cursor);
    else if (key === '\x0b') line.erase(line.cursor, line.tokens.length);
    else if (key === '\x17') {
      // Ctrl-W: the spaces before the cursor, then the word before them.
      let at = line.cursor;
      while (at > 0 && line.tokens[at - 1]?.text === ' ') at--;
      while (at > 0 && line.tokens[at - 1]?.text !== ' ') at--;
      line.erase(at, line.cursor);
    } else if (MARKERS[key]) line.insert(MARKERS[key], false);
    else if (key.length > 0 && printable(key)) line.insert(key, true);
    else if (key.length === 1 && key < ' ')
      line.insert(`^${String.fromCharCode(key.charCodeAt(0) + 64)}`, false);
    // Other sequences (function keys, Alt-letters) are the remote's business: not shown.
  }

  private enter(end: string): void {
    const line = this.current ?? new TypedLine();
    this.current = null;
    line.end = end;
    line.budget = 2 * (line.inserted.length - line.matched) + 2;
    if (this.waiting.length > 0 && line.matched === 0 && line.inserted.length > 0) {
      line.whole = line.inserted.join('');
      line.budget += PROMPT_ALLOWANCE;
    }
    this.waiting.push(line);
  }

  private judge(line: TypedLine): void {
    this.lines.push(this.shown(line));
    if (this.lines.length > REPORT_LINES) {
      this.lines.shift();
      this.earlier++;
    }
  }

  /** The line as shown: masked when its characters did not all come back. */
  private shown(line: TypedLine): string {
    const echoed = line.matched >= line.inserted.length;
    if (!echoed && line.end === '') {
      const value = line.value();
      if (value.length >= MIN_SECRET_LENGTH) this.onSecret(value);
    }
    // Dropped as soon as judged: the value of a masked line is kept nowhere.
    const text = echoed ? line.text() : MASK;
    line.tokens = [];
    line.inserted = [];
    return clip(text + line.end, REPORT_LINE_CHARS);
  }
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
  return `${text.slice(0, end)}…`;
}

/** What the agent is told, in its result's structured content as `person`. */
export interface PersonReport {
  /** Who held the keyboard (`viewer`). */
  by: string;
  held_s: number;
  /** The lines they entered, oldest first; ****** for one typed with echo off. */
  lines: string[];
  /** Lines entered before `lines`, not shown. */
  earlier_lines?: number;
  /** Typed and left on the line, not entered. */
  unfinished?: string;
  /** The screen's last non-empty rows when they handed it back. */
  screen: string[];
}

/** The account as the first lines of a result's text. */
export function reportLines(r: PersonReport): string[] {
  const head = `A person (${r.by}) held this session's terminal for ${r.held_s} s, then handed it back to you.`;
  if (r.lines.length === 0 && !r.unfinished && !r.earlier_lines)
    return [`${head} They typed nothing.`];
  const out = [head];
  if (r.lines.length > 0 || r.earlier_lines) {
    out.push(
      `Lines they entered (${MASK} = typed with echo off, such as a password; <Tab>, <Up>: keys whose effect the remote chose):`,
    );
    if (r.earlier_lines) out.push(`  … ${r.earlier_lines} earlier lines not shown`);
    for (const line of r.lines) out.push(`  ${line}`);
  }
  if (r.unfinished) out.push(`Typed and left on the line, not entered: ${r.unfinished}`);
  if (r.screen.length > 0) {
    out.push(`The screen's last ${r.screen.length} lines then:`);
    for (const row of r.screen) out.push(`  ${row}`);
  }
  out.push("(End of the person's turn; this call's own result follows.)");
  return out;
}

/** The screen's last non-empty rows (already redacted), each clipped. */
export function lastRows(screen: string): string[] {
  return screen
    .split('\n')
    .map((row) => row.trimEnd())
    .filter((row) => row !== '')
    .slice(-REPORT_SCREEN_ROWS)
    .map((row) => clip(row, REPORT_LINE_CHARS));
}
