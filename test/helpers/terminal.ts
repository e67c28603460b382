// A person's terminal, scripted: what gatewalk writes to it is kept (raw and ANSI-stripped) for
// expect-style waits, and `type` delivers keys one input event per character, each on its own
// event-loop turn, as a person's keystrokes arrive.
import { expectIn, type ExpectState } from '../../lab/expect.js';
import type { UserTerminal } from '../../src/cli/io.js';
import { AnsiStripper } from '../../src/terminal/ansi.js';

export interface ScriptedTerminal extends UserTerminal, ExpectState {
  raw: string;
  rawMode: boolean;
  /** Waits for `pattern` in what was written since the last match (ANSI-stripped). */
  expect(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types `text`, one input event per character, each a turn of the event loop apart. */
  type(text: string): Promise<void>;
  /** One input event holding all of `text` (a paste, or a chord sent at once). */
  send(text: string): void;
  /** The window changes size. */
  resizeTo(cols: number, rows: number): void;
  /** Listeners on input right now (0: nobody reads the keyboard). */
  readonly readers: number;
}

export function scriptedTerminal(size = { cols: 200, rows: 50 }): ScriptedTerminal {
  const inputs = new Set<(data: Buffer) => void>();
  const resizes = new Set<() => void>();
  const stripper = new AnsiStripper();
  const decoder = new TextDecoder();
  const current = { ...size };
  const t: ScriptedTerminal = {
    text: '',
    raw: '',
    cursor: 0,
    closed: false,
    waiters: new Set(),
    rawMode: false,
    onInput(listener) {
      inputs.add(listener);
      return () => inputs.delete(listener);
    },
    output(data) {
      const s = typeof data === 'string' ? data : decoder.decode(data, { stream: true });
      t.raw += s;
      t.text += stripper.push(s);
      for (const w of [...t.waiters]) w();
    },
    setRaw(raw) {
      t.rawMode = raw;
    },
    size: () => ({ ...current }),
    onResize(listener) {
      resizes.add(listener);
      return () => resizes.delete(listener);
    },
    expect(pattern, timeoutMs = 10_000) {
      return expectIn(t, pattern, timeoutMs, (re, why) => {
        return new Error(
          `terminal: waiting for ${re}: ${why}; last screen text:\n${t.text.slice(-600)}`,
        );
      });
    },
    async type(text) {
      for (const ch of text) {
        t.send(ch);
        await new Promise((r) => setImmediate(r));
      }
    },
    send(text) {
      const data = Buffer.from(text);
      for (const l of [...inputs]) l(data);
    },
    resizeTo(cols, rows) {
      current.cols = cols;
      current.rows = rows;
      for (const l of [...resizes]) l();
    },
    get readers() {
      return inputs.size;
    },
  };
  return t;
}
