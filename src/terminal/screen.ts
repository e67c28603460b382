import xterm from '@xterm/headless';

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
 */
export class Screen {
  private readonly term: InstanceType<typeof Terminal>;

  constructor(cols: number, rows: number, onReply: (data: string) => void) {
    this.term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
    this.term.onData(onReply);
  }

  write(data: Buffer | string): void {
    this.term.write(typeof data === 'string' ? data : new Uint8Array(data));
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** The screen once everything written so far has been processed (xterm parses asynchronously). */
  snapshot(): Promise<ScreenSnapshot> {
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
    this.term.dispose();
  }
}
