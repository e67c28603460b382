import { AnsiStripper } from './ansi.js';

export interface StreamMatch {
  /** Which pattern matched (index into the list given to `find`). */
  which: number;
  match: RegExpExecArray;
  /** Offsets in the stream's text (absolute, from the start of the session). */
  start: number;
  end: number;
}

// A new match can only end in text that just arrived; a match is assumed to span at most this
// much text before that, so each chunk is searched in bounded time, however much came before.
const LOOKBACK = 8192;
// Text before the cursor kept for error reports (the screen is the main context).
const KEEP_BEFORE = 16 * 1024;

/**
 * The output as text to match against: UTF-8 decoded across chunk boundaries, escape sequences
 * and carriage returns removed. Matching starts where the previous match ended, so an old prompt
 * never matches again, and the text after a match stays for the next wait.
 */
export class MatchStream {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly stripper = new AnsiStripper();
  private text = '';
  /** Absolute offset of text[0] (text before it was dropped). */
  private base = 0;
  private cursor = 0;
  /** Absolute end of the text already searched by `find` with no match. */
  private searched = 0;
  private searchedFor = '';
  bytes = 0;

  /** Adds a chunk; returns the text it added. */
  push(chunk: Buffer | string): string {
    const decoded =
      typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const added = this.stripper.push(decoded);
    this.text += added;
    const drop = this.cursor - this.base - KEEP_BEFORE;
    if (drop > 64 * 1024) {
      this.text = this.text.slice(drop);
      this.base += drop;
    }
    return added;
  }

  get length(): number {
    return this.base + this.text.length;
  }

  /** Text since the last match. */
  unread(): string {
    return this.text.slice(this.cursor - this.base);
  }

  /** The last `n` characters, for error reports. */
  tail(n = 2000): string {
    return this.text.slice(-n);
  }

  /**
   * The earliest match of any of `patterns` in the unread text; on a tie, the first listed wins
   * (Expect's rule). Patterns should not be global; `m` lets ^ and $ work per line.
   */
  find(patterns: RegExp[]): StreamMatch | null {
    // New patterns have not seen any of the unread text yet.
    const key = patterns.map((p) => `${p.source}/${p.flags}`).join('\0');
    if (key !== this.searchedFor) {
      this.searchedFor = key;
      this.searched = this.cursor;
    }
    let from = Math.max(this.cursor, this.searched - LOOKBACK);
    if (from > this.cursor) {
      // Start at a line start so that ^ keeps its meaning.
      const nl = this.text.indexOf('\n', from - this.base);
      from = nl < 0 ? this.cursor : Math.max(this.cursor, this.base + nl + 1);
    }
    const window = this.text.slice(from - this.base);
    let best: StreamMatch | null = null;
    patterns.forEach((pattern, which) => {
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      const match = re.exec(window);
      if (match && (!best || from + match.index < best.start)) {
        best = {
          which,
          match,
          start: from + match.index,
          end: from + match.index + match[0].length,
        };
      }
    });
    this.searched = best ? this.searched : this.length;
    return best;
  }

  /** Moves the cursor past a match: matching goes on after it. */
  consume(m: StreamMatch): void {
    this.cursor = Math.max(this.cursor, m.end);
    this.searched = this.cursor;
  }
}
