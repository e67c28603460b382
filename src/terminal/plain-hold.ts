// Holds plain text on its way to the headless terminal. A run of text with no control
// sequences changes nothing but the cells it is printed in and the cursor, so once it has
// scrolled the screen over twice, what came before its last lines can no longer be seen: the
// hold drops it. A 50 MB `cat` then costs the terminal a few screens of parsing, not 50 MB.

// Anything but printable text, tab, backspace, CR and LF, in the decoded text: C1 controls
// (U+0080..U+009F, which xterm obeys) included.
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]/;
const CRLF = Buffer.from('\r\n');
const CR = Buffer.from('\r');
// eslint-disable-next-line no-control-regex -- DECSTBM (set scroll region) and RIS (reset)
const REGION = /\x1b\[(\d*)(?:;(\d*))?r|\x1bc/g;
// eslint-disable-next-line no-control-regex -- a control sequence that goes on in the next chunk
const PARTIAL = /\x1b(?:\[[\x20-\x3f]*)?$/;

export class PlainTextHold {
  private parts: Buffer[] = [];
  private size = 0;
  /** Text was dropped: the terminal gets a CR first, so the rest starts in column 0 as it did. */
  private cut = false;
  /** The chunk after one with controls may finish a sequence that chunk began. */
  private afterControl = true;
  /** With a scroll region, text can land on rows outside it: nothing is dropped then. */
  private scrollRegion = false;
  private carry = '';
  /** Held bytes at which the next compaction happens. */
  private limit: number;

  constructor(
    private readonly rows: () => number,
    private readonly compactAt = 256 * 1024,
  ) {
    this.limit = compactAt;
  }

  /**
   * Takes a chunk (its bytes, its text as decoded already, and whether that holds no control
   * character, when known) and returns true, or returns
   * false: the caller writes it (after `take()`).
   */
  offer(bytes: Buffer, text: string, plain?: boolean): boolean {
    // `plain` comes from the PTY's escape stripper, which scanned the chunk anyway.
    const control = plain === undefined ? CONTROL.test(text) : !plain;
    if (this.afterControl || this.carry || control) {
      this.noteRegion(text);
      this.afterControl = control;
      return false;
    }
    if (this.scrollRegion) return false;
    // A huge run with no line ends to cut at: let the terminal have it (what is held, then
    // this chunk). Checked before the chunk is taken: a compaction merges what it holds.
    if (this.size + bytes.length >= this.compactAt * 4) return false;
    this.parts.push(bytes);
    this.size += bytes.length;
    if (this.size >= this.limit) {
      this.compact();
      // What a compaction keeps (a few screens of lines) can be long lines: the next one waits
      // for as much new text again, so copying stays linear in the text held.
      this.limit = this.size + this.compactAt;
    }
    return true;
  }

  /** Everything held, to write before anything else; null if nothing is. */
  take(): Buffer | null {
    if (this.parts.length === 0) return null;
    const held = Buffer.concat(this.cut ? [CR, ...this.parts] : this.parts);
    this.parts = [];
    this.size = 0;
    this.limit = this.compactAt;
    this.cut = false;
    return held;
  }

  private noteRegion(text: string): void {
    const seen = this.carry + text;
    for (const m of seen.matchAll(REGION)) {
      if (m[0] === '\x1bc') this.scrollRegion = false;
      else {
        const top = Number(m[1] || '1');
        const bottom = m[2] ? Number(m[2]) : Infinity;
        this.scrollRegion = top > 1 || bottom < this.rows();
      }
    }
    this.carry = PARTIAL.exec(seen)?.[0] ?? '';
    if (this.carry.length > 16) this.carry = '';
  }

  /** Keeps the text from a CR LF with over two screens of lines after it. */
  private compact(): void {
    const all = Buffer.concat(this.parts);
    let at = all.length;
    for (let lines = 0; lines < 2 * this.rows() + 2; lines++) {
      at = all.lastIndexOf(0x0a, at - 1);
      if (at <= 0) break;
    }
    const crlf = at > 0 ? all.lastIndexOf(CRLF, at - 1) : -1;
    if (crlf < 0) {
      this.parts = [all];
      return;
    }
    // A copy: a view would keep the whole concatenation alive for the few screens kept.
    this.parts = [Buffer.from(all.subarray(crlf + 2))];
    this.size = all.length - crlf - 2;
    this.cut = true;
  }
}
