import { StringDecoder } from 'node:string_decoder';
import type { LabOutput } from './output.js';

type Waiter = { kind: 'line' | 'key'; echo: boolean; resolve: (value: string | null) => void };

/**
 * The line discipline of the menu program: a PTY client sends raw keystrokes (Enter is `\r`,
 * Backspace is DEL), so the menu echoes, edits and splits lines itself, like a program reading
 * its terminal in cooked mode. Keystrokes typed ahead of a prompt are kept, never dropped; what
 * is left when the menu hands over to a shell goes to that shell.
 */
export class MenuTerminal {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private line = '';
  private lastWasCR = false;
  private eof = false;
  private waiter: Waiter | undefined;
  private prompt = '';

  constructor(
    private readonly out: LabOutput,
    /** Echo typed characters (a PTY was requested, so the client does not echo locally). */
    private readonly echoInput: boolean,
  ) {}

  /** Writes text, turning `\n` into `\r\n` as a terminal's output processing would. */
  write(text: string): void {
    this.out.write(text.replace(/\r?\n/g, '\r\n'));
  }

  feed(data: Buffer | string): void {
    this.pending += typeof data === 'string' ? data : this.decoder.write(data);
    this.process();
  }

  /** The client closed its input (EOF on the channel). */
  end(): void {
    this.eof = true;
    this.process();
  }

  /** Shows `prompt` and resolves with the next line, or null at EOF / Ctrl-D on an empty line. */
  readLine(prompt: string, echo = true): Promise<string | null> {
    this.prompt = prompt;
    this.write(prompt);
    return this.wait({ kind: 'line', echo });
  }

  /** Resolves with the next keystroke (for `--More--`), or null at EOF. */
  readKey(): Promise<string | null> {
    return this.wait({ kind: 'key', echo: false });
  }

  /** Stops reading; returns the keystrokes typed ahead that nobody read yet. */
  detach(): string {
    const rest = this.line + this.pending;
    this.line = '';
    this.pending = '';
    return rest;
  }

  private wait(w: Omit<Waiter, 'resolve'>): Promise<string | null> {
    return new Promise((resolve) => {
      this.waiter = { ...w, resolve };
      this.process();
    });
  }

  private settle(value: string | null): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(value);
  }

  private process(): void {
    while (this.waiter && this.pending.length > 0) {
      const ch = this.pending[0] as string;
      this.pending = this.pending.slice(1);
      const wasCR = this.lastWasCR;
      this.lastWasCR = ch === '\r';
      if (this.waiter.kind === 'key') {
        this.settle(ch);
        continue;
      }
      this.onChar(ch, wasCR);
    }
    if (this.waiter && this.eof && this.pending.length === 0) this.settle(null);
  }

  private onChar(ch: string, wasCR: boolean): void {
    const echo = this.echoInput && this.waiter?.echo === true;
    if (ch === '\n' && wasCR) return; // \r\n from clients without a PTY is one Enter
    if (ch === '\r' || ch === '\n') {
      if (this.echoInput) this.write('\n');
      const line = this.line;
      this.line = '';
      this.settle(line);
    } else if (ch === '\x7f' || ch === '\b') {
      if (this.line.length > 0) {
        this.line = [...this.line].slice(0, -1).join('');
        if (echo) this.out.write('\b \b');
      }
    } else if (ch === '\x03') {
      // Ctrl-C abandons the line and shows the prompt again, like a readline program.
      this.line = '';
      if (this.echoInput) this.write('^C\n');
      this.write(this.prompt);
    } else if (ch === '\x04') {
      if (this.line.length === 0) this.settle(null);
    } else if (ch === '\x15') {
      if (echo) this.out.write('\b \b'.repeat([...this.line].length));
      this.line = '';
    } else if (ch === '\x1b') {
      this.skipEscape();
    } else if (ch >= ' ') {
      this.line += ch;
      if (echo) this.out.write(ch);
    }
  }

  /** Drops the rest of an escape sequence (arrow keys and the like have no use in this menu). */
  private skipEscape(): void {
    const m = /^(\[[0-?]*[ -/]*[@-~]|O.|.)?/s.exec(this.pending);
    this.pending = this.pending.slice(m?.[0].length ?? 0);
  }
}
