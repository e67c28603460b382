// Removes terminal control sequences from output, leaving the text a person reads: what profile
// regexes are matched against. A small state machine (after ECMA-48 and what xterm accepts), so
// a sequence cut in two by the network is stripped across chunks and no text is held back.

const enum State {
  Text,
  Escape,
  /** ESC followed by intermediates ( ) * + - . / # % and the like: one final byte ends it. */
  EscapeIntermediate,
  Csi,
  /** OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \). */
  String,
  StringEscape,
}

// Every control character but tab and line feed: the ones stripped, and the ones that tell the
// screen's plain-text hold a chunk is not plain text (one scan serves both).
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const SPECIAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

const DROPPED = new Set([0x0d, 0x07, 0x00, 0x0e, 0x0f]);

// Strings longer than this are not real control strings: give up and read text again.
const MAX_STRING = 4096;

export class AnsiStripper {
  private state = State.Text;
  private stringLength = 0;

  /**
   * The last chunk pushed held a control character other than CR and backspace, or went on
   * with a sequence: not plain text (what terminal/plain-hold.ts may hold back).
   */
  sawControl = false;

  push(chunk: string): string {
    let out = '';
    let i = 0;
    this.sawControl = this.state !== State.Text;
    while (i < chunk.length) {
      if (this.state === State.Text) {
        // Runs of plain text (most of a big output) are found by the regex engine and sliced,
        // not walked character by character.
        SPECIAL.lastIndex = i;
        const next = SPECIAL.exec(chunk);
        if (next === null) return i === 0 ? chunk : out + chunk.slice(i);
        const code = chunk.charCodeAt(next.index);
        if (code !== 0x0d && code !== 0x08) this.sawControl = true;
        // Carriage returns, bells, NULs and shift-in/out are not text a prompt is made of;
        // other controls (a backspace) stay in the text, as they always did.
        const kept = code !== 0x1b && code !== 0x9b && !DROPPED.has(code);
        out += chunk.slice(i, kept ? next.index + 1 : next.index);
        i = next.index + 1;
        if (code === 0x1b) this.state = State.Escape;
        else if (code === 0x9b) this.state = State.Csi;
        continue;
      }
      // Inside a sequence a character is consumed whole, a surrogate pair included.
      const code = chunk.charCodeAt(i);
      i += code >= 0xd800 && code <= 0xdbff && i + 1 < chunk.length ? 2 : 1;
      this.step(code);
    }
    return out;
  }

  private step(code: number): void {
    switch (this.state) {
      case State.Escape:
        if (code === 0x5b /* [ */) this.state = State.Csi;
        else if (
          code === 0x5d /* ] */ ||
          code === 0x50 /* P */ ||
          code === 0x58 /* X */ ||
          code === 0x5e /* ^ */ ||
          code === 0x5f /* _ */
        ) {
          this.state = State.String;
          this.stringLength = 0;
        } else if (code >= 0x20 && code <= 0x2f) this.state = State.EscapeIntermediate;
        else this.state = State.Text; // a two-byte sequence: ESC 7, ESC =, ESC M ...
        break;
      case State.EscapeIntermediate:
        if (code >= 0x30 && code <= 0x7e) this.state = State.Text;
        break;
      case State.Csi:
        if (code >= 0x40 && code <= 0x7e) this.state = State.Text;
        else if (code < 0x20 || code > 0x7e) this.state = State.Text; // malformed: drop it
        break;
      case State.String:
        if (code === 0x07) this.state = State.Text;
        else if (code === 0x1b) this.state = State.StringEscape;
        else if (++this.stringLength > MAX_STRING) this.state = State.Text;
        break;
      case State.StringEscape:
        this.state = code === 0x5c /* \ */ ? State.Text : State.String;
        break;
      case State.Text:
        break;
    }
  }
}

export function stripAnsi(text: string): string {
  return new AnsiStripper().push(text);
}
