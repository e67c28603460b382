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

/**
 * The screen as a person would see it: a headless xterm fed every byte, so menus drawn with
 * clears and cursor moves read right. It also answers the terminal's queries (cursor position,
 * device status) through `onReply`, as a real terminal does: busybox ash asks at every prompt.
 *
 * Plain text (a `cat` of a big log) is held back and parsed only when the screen is looked at,
 * and only the part that can still be visible then: parsing every byte would cost more than
 * everything else a session does with its output.
 */
export class Screen {
  private readonly term: InstanceType<typeof Terminal>;
  private readonly hold: PlainTextHold;

  constructor(
    cols: number,
    rows: number,
    onReply: (data: string) => void,
    /** Plain text held before it is cut down to what can still be seen (tests make it small). */
    holdBytes?: number,
  ) {
    this.term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
    this.term.onData(onReply);
    this.hold = new PlainTextHold(() => this.term.rows, holdBytes);
  }

  /** Bytes for the terminal; `text`, the same decoded (the PTY decodes them anyway). */
  write(data: Buffer | string, text?: string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const decoded = text ?? (typeof data === 'string' ? data : data.toString('utf8'));
    if (this.hold.offer(bytes, decoded)) return;
    this.flush();
    this.term.write(new Uint8Array(bytes));
  }

  private flush(): void {
    const held = this.hold.take();
    if (held) this.term.write(new Uint8Array(held));
  }

  resize(cols: number, rows: number): void {
    this.flush();
    this.term.resize(cols, rows);
  }

  /** The screen once everything written so far has been processed (xterm parses asynchronously). */
  snapshot(): Promise<ScreenSnapshot> {
    this.flush();
    return new Promise((resolve) => {
      this.term.write('', () => {
        const buffer = this.term.buffer.active;
        const lines: string[] = [];
        for (let row = 0; row < this.term.rows; row++) {
          lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
        }
        resolve({
          lines,
          cursor: { row: buffer.cursorY, col: buffer.cursorX },
          rows: this.term.rows,
          cols: this.term.cols,
        });
      });
    });
  }

  /** The visible screen as text, with trailing empty rows dropped. */
  async text(): Promise<string> {
    const { lines } = await this.snapshot();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  dispose(): void {
    this.hold.take();
    this.term.dispose();
  }
}
