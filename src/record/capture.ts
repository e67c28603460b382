// The capture side of `gatewalk record`: what the person types, what the gateway answers and
// the screen at each key, in order, in memory only. The terminal hand-over (as `gatewalk open`)
// filters the stop chord (Ctrl-] then a command key) out of the keys before they reach the PTY.
import type { Pty } from '../terminal/pty.js';
import type { RecordEvent, Snapshot } from './types.js';

/** The screen as the headless terminal shows it now (parsed as bytes arrive: always current). */
export function snapshotOf(pty: Pty): Snapshot {
  const before = pty.screen.beforeCursor(4);
  const { lines, cursor } = pty.screen.snapshot();
  const rows = lines.slice(0, cursor.row + 1).map((r) => r.trimEnd());
  return { before, rows, cursor: { ...cursor } };
}

/**
 * Records one walk by hand. Events before the PTY exists (keyboard-interactive prompts at
 * login) are pushed with `auth`; `attach` then listens to the PTY's text, backlog first (the
 * banner came before anyone listened).
 */
export class Recorder {
  readonly events: RecordEvent[] = [];
  private readonly t0: number;
  private off: (() => void) | null = null;
  private pty: Pty | null = null;
  /** When the last key was written (the TOTP freshness rule needs when a code was typed). */
  lastKeyAt: number | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.t0 = now();
  }

  private t(): number {
    return Math.round((this.now() - this.t0) * 10) / 10;
  }

  /** An SSH keyboard-interactive prompt the person answered (the answer is never kept). */
  auth(prompt: string, echo: boolean): void {
    this.events.push({ t: this.t(), kind: 'auth', prompt, echo });
  }

  attach(pty: Pty): void {
    this.pty = pty;
    const offText = pty.onText((text) => {
      if (text) this.events.push({ t: this.t(), kind: 'out', text });
    });
    const onClose = () => this.events.push({ t: this.t(), kind: 'close' });
    pty.once('close', onClose);
    this.off = () => {
      offText();
      pty.off('close', onClose);
    };
  }

  /** Keys typed by the person: the screen is read before they are written. */
  key(data: string): void {
    const pty = this.pty;
    if (!pty || pty.closed || data === '') return;
    this.events.push({ t: this.t(), kind: 'key', data, at: snapshotOf(pty) });
    this.lastKeyAt = Date.now();
    pty.write(data);
  }

  mark(what: 'hop' | 'secret'): void {
    this.events.push({ t: this.t(), kind: 'mark', what });
  }

  resize(cols: number, rows: number): void {
    this.events.push({ t: this.t(), kind: 'resize', cols, rows });
    this.pty?.resize(cols, rows);
  }

  /** Stops listening: what the PTY says after this (the shell probe) is not the person's walk. */
  stop(): Snapshot | null {
    this.off?.();
    this.off = null;
    const pty = this.pty;
    return pty && !pty.closed ? snapshotOf(pty) : null;
  }
}

/** What the person asked for with the chord. */
export type ChordCommand = 'stop' | 'abort' | 'mark-hop' | 'mark-secret' | 'cancel';

export const CHORD = 0x1d;

/**
 * Splits the person's input into keys for the gateway and chord commands: Ctrl-] opens a
 * one-key command (s stop, q abort, m a hop ends here, x that line was a secret; Ctrl-] again
 * sends a literal Ctrl-]; any other key cancels). The chord may span input chunks.
 */
export class ChordFilter {
  private pending = false;

  constructor(
    private readonly keys: (data: string) => void,
    private readonly command: (c: ChordCommand) => void,
  ) {}

  input(data: Buffer): void {
    let from = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i] as number;
      if (this.pending) {
        this.pending = false;
        from = i + 1;
        if (byte === CHORD) {
          this.keys('\x1d');
          continue;
        }
        const c = String.fromCharCode(byte).toLowerCase();
        const cmd: ChordCommand =
          c === 's'
            ? 'stop'
            : c === 'q'
              ? 'abort'
              : c === 'm'
                ? 'mark-hop'
                : c === 'x'
                  ? 'mark-secret'
                  : 'cancel';
        this.command(cmd);
        // Nothing typed after a stop or an abort goes to the gateway.
        if (cmd === 'stop' || cmd === 'abort') return;
        continue;
      }
      if (byte === CHORD) {
        if (i > from) this.keys(data.subarray(from, i).toString('utf8'));
        this.pending = true;
        from = i + 1;
      }
    }
    if (!this.pending && from < data.length) this.keys(data.subarray(from).toString('utf8'));
  }
}

/** The one-line hint shown when the recording starts. */
export const CHORD_HINT =
  'gatewalk: recording. Walk as usual; Ctrl-] then s stops and writes the draft (q aborts, m marks "a hop ends here", x marks "that line was a secret")';

/** Shortest line checked for leaks: shorter ones (`q`, `ls`) are everywhere in a profile. */
const LEAK_MIN = 4;

/**
 * A last guard before the draft is written, independent of the analysis: a line the person
 * typed that the gateway never echoed (before the next line began) is treated as a secret, and
 * so are the keyboard-interactive answers typed without echo; the draft must hold none of them.
 * Returns how many such values the text holds (never the values).
 */
export function leakedValues(
  events: RecordEvent[],
  hidden: Iterable<string>,
  text: string,
): number {
  const lines: { value: string; from: number; to: number }[] = [];
  let value = '';
  let from = -1;
  let escape = false;
  events.forEach((e, i) => {
    if (e.kind !== 'key') return;
    for (const ch of e.data) {
      if (from < 0) from = i;
      if (escape) {
        // An escape sequence (an arrow key): its final byte is a letter or ~.
        if (/[A-Za-z~]/.test(ch)) escape = false;
      } else if (ch === '\x1b') escape = true;
      else if (ch === '\r' || ch === '\n') {
        lines.push({ value, from, to: i });
        value = '';
        from = -1;
      } else if (ch === '\x7f' || ch === '\b') value = [...value].slice(0, -1).join('');
      else if (ch === '\x15') value = '';
      else if (ch >= ' ') value += ch;
    }
  });
  const suspects = new Set([...hidden].filter((v) => v.length >= LEAK_MIN));
  for (const line of lines) {
    if (line.value.trim().length < LEAK_MIN) continue;
    // Its echo comes before the person types on (a pasted block: before the next key event).
    const next = events.findIndex((e, i) => i > line.to && e.kind === 'key');
    const until = next < 0 ? events.length : next;
    const echoed = events
      .slice(line.from, until)
      .map((e) => (e.kind === 'out' ? e.text : ''))
      .join('');
    if (!echoed.includes(line.value)) suspects.add(line.value);
  }
  return [...suspects].filter((v) => text.includes(v)).length;
}
