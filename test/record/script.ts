// Synthetic recordings for the pure analysis tests: a fake screen that is the text so far (no
// cursor moves), keys with the snapshot a capture would take. The lab tests record real screens.
import type { RecordEvent, Snapshot } from '../../src/record/types.js';

export class Script {
  readonly events: RecordEvent[] = [];
  private screen = '';
  private t = 0;

  snapshot(): Snapshot {
    const lines = this.screen.split('\n');
    const before = lines.slice(-4).join('\n');
    return {
      before,
      rows: lines.slice(0, -1).slice(-40),
      cursor: { row: lines.length - 1, col: (lines[lines.length - 1] ?? '').length },
    };
  }

  out(text: string): this {
    this.events.push({ t: (this.t += 10), kind: 'out', text });
    // A carriage return redraws the line (the real screen would); the rest is appended.
    for (const ch of text) {
      this.screen =
        ch === '\r' ? this.screen.slice(0, this.screen.lastIndexOf('\n') + 1) : this.screen + ch;
    }
    return this;
  }

  key(data: string): this {
    this.events.push({ t: (this.t += 10), kind: 'key', data, at: this.snapshot() });
    return this;
  }

  /** Types a line key by key; echoed (`on`), not echoed (`off`) or as stars (`masked`). */
  line(text: string, echo: 'on' | 'off' | 'masked' = 'on'): this {
    for (const ch of text) this.key(ch);
    this.key('\r');
    const shown = echo === 'on' ? text : echo === 'masked' ? '*'.repeat(text.length) : '';
    return this.out(`${shown}\n`);
  }

  mark(what: 'hop' | 'secret'): this {
    this.events.push({ t: (this.t += 10), kind: 'mark', what });
    return this;
  }

  auth(prompt: string, echo: boolean): this {
    this.events.push({ t: (this.t += 10), kind: 'auth', prompt, echo });
    return this;
  }

  close(): this {
    this.events.push({ t: (this.t += 10), kind: 'close' });
    return this;
  }
}
