import xterm from '@xterm/headless';
import { PlainTextHold } from './plain-hold.js';

const { Terminal } = xterm;

export interface ScreenSnapshot {
  /** The visible rows, trailing spaces trimmed. */
  lines: string[];
  cursor: { row: number; col: number };
  rows: number;
  cols: number;
}

type HeadlessTerminal = InstanceType<typeof Terminal>;

/**
 * Rows kept above the visible screen. Nothing reads further back than a few rows above the
 * cursor: `beforeCursor` is asked for at most 8 rows, `snapshot` reads the visible rows, and the
 * viewer replays the transcript in a terminal of its own. A row costs 12 bytes per column
 * (2.4 KB at 200 columns): 1000 rows of scrollback were 2.4 MB per session.
 * Growing the screen by more rows than this shows blank rows where a terminal with a long
 * scrollback would bring older lines back; a program redraws on the resize anyway.
 */
export const SCROLLBACK_ROWS = 8;

/**
 * xterm decodes what it parses into a buffer that grows to the longest write it was given (up to
 * 512 KB) and never shrinks: one big write (held text parsed at once) would cost an idle session
 * that much for good. Writes go in pieces no longer than the buffer's first size (4096); xterm's
 * decoder and parser carry a character or a sequence cut between pieces over to the next.
 */
const PARSE_PIECE = 4096;

/**
 * xterm parses what `write()` is given on a later timer tick; its write buffer also has a
 * synchronous entry point, which the public API wraps with a warning ("unreliable") because
 * a browser renderer may be mid-frame. A headless terminal has no renderer: parsing in the
 * same tick is what lets the screen be read, and the terminal's answers to queries be sent,
 * the moment bytes arrive. Pinned by a test (test/terminal.test.ts) so an upgrade that moves
 * it fails loudly instead of silently going back to timers.
 */
export function synchronousWriter(term: HeadlessTerminal): (data: Uint8Array | string) => void {
  const core = (term as unknown as { _core?: { _writeBuffer?: { writeSync?: unknown } } })._core;
  const buffer = core?._writeBuffer;
  if (typeof buffer?.writeSync !== 'function')
    throw new Error(
      '@xterm/headless no longer has a synchronous write: see src/terminal/screen.ts',
    );
  const writeSync = buffer.writeSync as (data: Uint8Array | string) => void;
  return (data) => writeSync.call(buffer, data);
}

/**
 * The screen as a person would see it: a headless xterm fed every byte as it arrives and
 * parsed at once, so menus drawn with clears and cursor moves read right, and the terminal's
 * answers to queries (cursor position, device attributes: busybox ash asks at every prompt)
 * go back in the same tick, before anything else is typed.
 *
 * Plain text (a `cat` of a big log) is held back and parsed only when the screen is looked at,
 * and only the part that can still be visible then: parsing every byte would cost more than
 * everything else a session does with its output. Plain text asks no questions, so holding it
 * never delays an answer.
 */
export class Screen {
  private readonly term: HeadlessTerminal;
  private readonly hold: PlainTextHold;
  private readonly parse: (data: Uint8Array) => void;

  constructor(
    cols: number,
    rows: number,
    onReply: (data: string) => void,
    /** Plain text held before it is cut down to what can still be seen (tests make it small). */
    holdBytes?: number,
  ) {
    this.term = new Terminal({ cols, rows, scrollback: SCROLLBACK_ROWS, allowProposedApi: true });
    // The answer is sent from inside the parser: a failure there must not escape into it.
    this.term.onData((reply) => {
      try {
        onReply(reply);
      } catch {
        // Nowhere to answer to (the channel is going away).
      }
    });
    const parse = synchronousWriter(this.term);
    this.parse = (data) => {
      for (let at = 0; at < data.length; at += PARSE_PIECE)
        parse(data.subarray(at, at + PARSE_PIECE));
    };
    this.hold = new PlainTextHold(() => this.term.rows, holdBytes);
  }

  /**
   * The last write was plain text held back: the screen has not parsed it yet, and looking at
   * the screen now would cost that parse. A prompt usually comes with escape sequences
   * (colours, bracketed paste, ash's cursor query), so it is parsed at once.
   */
  lastWriteHeld = false;

  /**
   * Bytes for the terminal; `text`, the same decoded (the PTY decodes them anyway); `plain`,
   * whether the text holds no control character, when the caller knows (its stripper looked).
   */
  write(data: Buffer | string, text?: string, plain?: boolean): void {
    if (this.disposed) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const decoded = text ?? (typeof data === 'string' ? data : data.toString('utf8'));
    this.lastWriteHeld = this.hold.offer(bytes, decoded, plain);
    if (this.lastWriteHeld) return;
    this.flush();
    this.parse(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /**
   * The output is over (a command's end mark came): text still held (its last lines, then a
   * prompt without escape sequences) is parsed now, so an idle session holds no text, only its
   * terminal. Cheap by then: the hold has cut it down to a few screens.
   */
  settle(): void {
    if (this.lastWriteHeld) this.flush();
  }

  private flush(): void {
    this.lastWriteHeld = false;
    const held = this.hold.take();
    if (held) this.parse(new Uint8Array(held.buffer, held.byteOffset, held.byteLength));
  }

  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.flush();
    this.term.resize(cols, rows);
  }

  /** The screen now: every byte written so far is parsed. */
  snapshot(): ScreenSnapshot {
    this.flush();
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    }
    return {
      lines,
      cursor: { row: buffer.cursorY, col: buffer.cursorX },
      rows: this.term.rows,
      cols: this.term.cols,
    };
  }

  /**
   * The text that leads up to the cursor: the cursor's row as far as the cursor (what stands
   * to its right, a zsh RPROMPT or a fish autosuggestion, is not part of it), after up to
   * `rows - 1` rows above it. Rows a long line wrapped onto are joined without a line break.
   */
  beforeCursor(rows = 4): string {
    this.flush();
    const b = this.term.buffer.active;
    let y = b.baseY + b.cursorY;
    let text = b.getLine(y)?.translateToString(false, 0, b.cursorX) ?? '';
    for (let n = 1; n < rows && y > 0; n++, y--) {
      const wrapped = b.getLine(y)?.isWrapped ?? false;
      const above = b.getLine(y - 1)?.translateToString(!wrapped) ?? '';
      text = above + (wrapped ? '' : '\n') + text;
    }
    return text;
  }

  /** Rows the terminal holds now, the visible ones and those scrolled off (memory benchmark). */
  get rowsKept(): number {
    return this.term.buffer.active.length;
  }

  /** The visible screen as text, with trailing empty rows dropped. */
  text(): string {
    const { lines } = this.snapshot();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  /**
   * The session is over: its rows are given back (a closed session's record stays listed for
   * as long as the server runs). The screen reads as empty from then on.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.hold.take();
    this.term.resize(2, 1);
    this.term.dispose();
  }

  private disposed = false;
}
