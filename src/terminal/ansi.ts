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

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const SPECIAL = /[\x1b\x9b\r\x07\0\x0e\x0f]/;
// eslint-disable-next-line no-control-regex -- same set, one character
const SPECIAL_CHAR = /^[\x1b\x9b\r\x07\0\x0e\x0f]$/;

// Strings longer than this are not real control strings: give up and read text again.
const MAX_STRING = 4096;

export class AnsiStripper {
  private state = State.Text;
  private stringLength = 0;

  push(chunk: string): string {
    // Fast path: plain text (most of a big output) goes through untouched.
    if (this.state === State.Text && !SPECIAL.test(chunk)) return chunk;
    let out = '';
    let plainFrom = -1;
    let i = 0;
    for (const ch of chunk) {
      // Runs of plain text are sliced, not built character by character.
      if (this.state === State.Text && !SPECIAL_CHAR.test(ch)) {
        if (plainFrom < 0) plainFrom = i;
        i += ch.length;
        continue;
      }
      if (plainFrom >= 0) {
        out += chunk.slice(plainFrom, i);
        plainFrom = -1;
      }
      i += ch.length;
      const code = ch.charCodeAt(0);
      switch (this.state) {
        case State.Text:
          if (ch === '\x1b') this.state = State.Escape;
          else if (code === 0x9b) this.state = State.Csi;
          // Carriage returns, bells, NULs and shift-in/out are not text a prompt is made of.
          else if (ch !== '\r' && ch !== '\x07' && ch !== '\0' && ch !== '\x0e' && ch !== '\x0f')
            out += ch;
          break;
        case State.Escape:
          if (ch === '[') this.state = State.Csi;
          else if (ch === ']' || ch === 'P' || ch === 'X' || ch === '^' || ch === '_') {
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
          if (ch === '\x07') this.state = State.Text;
          else if (ch === '\x1b') this.state = State.StringEscape;
          else if (++this.stringLength > MAX_STRING) this.state = State.Text;
          break;
        case State.StringEscape:
          this.state = ch === '\\' ? State.Text : State.String;
          break;
      }
    }
    if (plainFrom >= 0) out += chunk.slice(plainFrom);
    return out;
  }
}

export function stripAnsi(text: string): string {
  return new AnsiStripper().push(text);
}
