// The expect-style wait both lab clients use: text received so far, matched from where the
// previous match ended, event-driven (each chunk wakes the waiters), bounded by a timeout.
import { AnsiStripper } from '../src/terminal/ansi.js';

/** What a client keeps for its waits. */
export interface ExpectState {
  /** Everything received, ANSI-stripped. */
  text: string;
  /** Where the next match starts. */
  cursor: number;
  closed: boolean;
  waiters: Set<() => void>;
}

/** A literal string as a regex; a regex as it is. */
export function patternOf(pattern: RegExp | string): RegExp {
  return typeof pattern === 'string'
    ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    : pattern;
}

/**
 * Waits until `pattern` matches the text received since the last match, then moves past it.
 * Rejects after `timeoutMs`, or when the channel closes, with the error `failure` makes.
 */
export function expectIn(
  state: ExpectState,
  pattern: RegExp | string,
  timeoutMs: number,
  failure: (re: RegExp, why: string) => Error,
): Promise<RegExpExecArray> {
  const re = patternOf(pattern);
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(state.text.slice(state.cursor));
      if (m) {
        state.cursor += m.index + m[0].length;
        finish();
        resolve(m);
      } else if (state.closed) {
        finish();
        reject(failure(re, 'the channel closed'));
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(failure(re, `nothing matched within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      state.waiters.delete(check);
    };
    state.waiters.add(check);
    check();
  });
}

/** The ssh2 pieces a client reads from: the connection and its shell channel. */
interface Conn {
  on(event: 'close', listener: () => void): unknown;
}
export interface Channel {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal?: string) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  stderr: { on(event: 'data', listener: (chunk: Buffer) => void): unknown; resume(): unknown };
  write(data: string): unknown;
}

/**
 * An expect-style client on a shell channel: keeps what arrives (raw and ANSI-stripped), waits
 * for patterns from where the previous match ended, types lines. The labs' clients extend it.
 */
export abstract class ExpectClient<C extends Channel = Channel> implements ExpectState {
  /** Everything received, ANSI-stripped. */
  text = '';
  /** Everything received, as sent. */
  raw = '';
  cursor = 0;
  closed = false;
  readonly waiters = new Set<() => void>();
  /** Resolves when the channel closes, with the exit status the server reported (null if none). */
  readonly exit: Promise<{ code: number | null; signal?: string }>;

  constructor(
    conn: Conn,
    readonly channel: C,
    /** Whether what the channel writes on stderr is read as text too. */
    readStderr: boolean,
  ) {
    const decoder = new TextDecoder();
    const stripper = new AnsiStripper();
    const take = (chunk: Buffer) => {
      const s = decoder.decode(chunk, { stream: true });
      this.raw += s;
      this.text += stripper.push(s);
      for (const w of [...this.waiters]) w();
    };
    channel.on('data', take);
    if (readStderr) channel.stderr.on('data', take);
    else channel.stderr.resume();
    this.exit = new Promise((resolve) => {
      let code: number | null = null;
      let signal: string | undefined;
      channel.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      const done = () => {
        if (this.closed) return;
        this.closed = true;
        for (const w of [...this.waiters]) w();
        resolve(signal ? { code, signal } : { code });
      };
      channel.on('close', done);
      conn.on('close', done);
    });
  }

  /** The error a wait that did not match ends with (the pattern, why, the screen's tail). */
  protected abstract failure(re: RegExp, why: string): Error;

  /**
   * Waits until `pattern` matches the text received since the last match, then moves past it.
   * A string is matched literally. Rejects after `timeoutMs` or when the channel closes.
   */
  expect(pattern: RegExp | string, timeoutMs = 5000): Promise<RegExpExecArray> {
    return expectIn(this, pattern, timeoutMs, (re, why) => this.failure(re, why));
  }

  /** Text received since the last match (not consumed). */
  get unread(): string {
    return this.text.slice(this.cursor);
  }

  send(data: string): void {
    this.channel.write(data);
  }

  /** Types a line and presses Enter (a PTY sends `\r`). */
  sendLine(line: string): void {
    this.channel.write(`${line}\r`);
  }

  /** Sends a line and waits for a pattern: the usual step of a menu walk. */
  answer(line: string, next: RegExp | string, timeoutMs?: number): Promise<RegExpExecArray> {
    this.sendLine(line);
    return this.expect(next, timeoutMs);
  }
}
