// CSI, OSC and two-byte escape sequences. Stripped of them and of carriage returns, what is left
// is the text a person reads: what profile regexes are matched against.
const ESCAPE_SEQUENCE = String.raw`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]`;
const ANSI = new RegExp(`${ESCAPE_SEQUENCE}|\r`, 'g');
const COMPLETE_ESCAPE = new RegExp(`^(?:${ESCAPE_SEQUENCE})`);

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Strips escape sequences from a stream chunk by chunk: an escape sequence cut in two by the
 * network is held back until its end arrives, so stripping stays right and linear.
 */
export class AnsiStripper {
  private carry = '';

  push(text: string): string {
    const all = this.carry + text;
    const esc = all.lastIndexOf('\x1b');
    if (esc < 0 || COMPLETE_ESCAPE.test(all.slice(esc))) {
      this.carry = '';
      return stripAnsi(all);
    }
    this.carry = all.slice(esc);
    return stripAnsi(all.slice(0, esc));
  }
}
