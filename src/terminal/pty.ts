import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { AnsiStripper } from './ansi.js';
import { MarkScanner, type Mark } from './marks.js';
import { Screen } from './screen.js';

// The raw log is for a look at what arrived last (a banner, an error): every session keeps it,
// so it is small, and a ring (a copy of the bytes, not the SSH read buffers they came in).
export const RAW_LOG_BYTES = 16 * 1024;
const BACKLOG_CHARS = 256 * 1024;

/**
 * The session's PTY: every byte goes to the screen (a headless terminal) and, decoded and
 * stripped of escape sequences, to `text` listeners for matching. The terminal's replies to
 * queries go back to the remote side, as a real terminal's would.
 */
export interface SentData {
  data: string;
  /** A secret value (a password, an OTP, a `sensitive` send): recorded as `[secret]`. */
  secret: boolean;
  /** Who typed it, when not the agent (`viewer`: a person who took control). */
  by?: string;
}

/** A framed line gatewalk typed: its echo is shown as `display` once its start mark arrives. */
interface ExpectedFrame {
  nonce: string;
  /** What a person sees instead of the framed line: the command as typed. */
  display: string;
  /** The echo held back from the screen until the start mark (null once it came). */
  held: string | null;
}

// An echo longer than this is not an echo: it is shown as it came.
const MAX_HELD = 64 * 1024;

export class Pty extends EventEmitter<{
  text: [string];
  raw: [Buffer];
  /** What the screen shows, as the screen is fed: the echo of framed lines replaced. */
  display: [string];
  /** gatewalk's own marks (terminal/marks.ts), in order with the text around them. */
  mark: [Mark];
  sent: [SentData];
  close: [];
}> {
  readonly screen: Screen;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly stripper = new AnsiStripper();
  /** Text that arrived while nobody listened (the banner arrives before the walk starts). */
  private backlog = '';
  closed = false;
  /** The exit status the remote side sent for this channel (the first hop's shell), if any. */
  exitStatus: number | null = null;
  bytes = 0;
  /**
   * While a hop is being left, the terminal's answers to queries are dropped: a query the
   * leaving shell sent just before it read `exit` would be answered into the shell below
   * (`;8R` typed at bash). Nothing is sent for a hop once it is left.
   */
  private answerQueries = true;
  /** The raw log: every byte received, the last RAW_LOG_BYTES of them kept in memory. */
  private readonly raw = Buffer.alloc(RAW_LOG_BYTES);
  /** Where the next byte goes in the ring; `rawFull` once it wrapped. */
  private rawAt = 0;
  private rawFull = false;

  constructor(
    readonly channel: ClientChannel,
    readonly size: { cols: number; rows: number },
  ) {
    super();
    this.screen = new Screen(size.cols, size.rows, (reply) => {
      if (this.answerQueries) this.write(reply);
    });
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.on('exit', (code: number | null) => {
      if (typeof code === 'number') this.exitStatus = code;
    });
    channel.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.logRaw(chunk);
    const decoded = this.decoder.decode(chunk, { stream: true });
    // Recorded before it is parsed: a query comes before the answer the terminal gives it.
    this.emit('raw', chunk);
    if (!this.frame) return this.take(chunk, decoded);
    const parts = this.marks.split(decoded);
    if (parts.length === 1 && parts[0] === decoded) return this.take(chunk, decoded);
    for (const part of parts) {
      if (typeof part === 'string') this.take(null, part);
      else this.onMark(part);
    }
    if (!this.frame) {
      const rest = this.marks.flush();
      if (rest) this.take(null, rest);
    }
  }

  /** Output for the screen (unless it is a framed line's echo, held) and for text listeners. */
  private take(chunk: Buffer | null, decoded: string): void {
    // Stripped first: the same scan tells the screen whether the chunk is plain text.
    const text = this.stripper.push(decoded);
    const frame = this.frame;
    if (frame?.held != null) {
      frame.held += decoded;
      if (frame.held.length > MAX_HELD) this.reveal();
    } else this.show(chunk, decoded, !this.stripper.sawControl);
    if (text) this.lineStart = text.endsWith('\n');
    // Listeners hear of every chunk, also one of escape sequences only: it may have changed
    // the screen (a redraw, a cursor move) that screen-based waits look at.
    if (this.listenerCount('text') === 0) this.keep(text);
    else this.emit('text', text);
  }

  /** `plain`: known to hold no control character (else the screen looks for itself). */
  private show(chunk: Buffer | null, decoded: string, plain?: boolean): void {
    if (this.quiet === 0) this.emit('display', decoded);
    this.parse(chunk, decoded, plain);
  }

  /** The last text received ended a line (or none came since a framed line's echo). */
  private lineStart = true;
  private frame: ExpectedFrame | null = null;
  private readonly marks = new MarkScanner();

  /**
   * A framed line is about to be typed: its echo (with the framing) is held back from the
   * screen, and shown as `display` once the command's start mark arrives.
   */
  expectFrame(nonce: string, display: string): void {
    this.reveal();
    this.frame = { nonce, display, held: '' };
  }

  /** No (more) mark is expected: an echo still held is shown as it came. */
  endFrame(): void {
    this.reveal();
    this.frame = null;
    const rest = this.marks.flush();
    if (rest) this.take(null, rest);
  }

  private reveal(): void {
    const held = this.frame?.held;
    if (!this.frame || held == null) return;
    this.frame.held = null;
    if (held) this.show(null, held);
  }

  private onMark(mark: Mark): void {
    const frame = this.frame;
    if (frame?.nonce !== mark.nonce) {
      // Not ours (a stale mark, or output printing one): it is text like any other.
      this.take(null, mark.raw);
      return;
    }
    if (frame.held != null && (mark.kind === 'S' || mark.kind === 'P')) {
      frame.held = null;
      // gatewalk's own line (display ''): the prompt's row is cleared, and the shell draws
      // its next prompt there, as if nothing had been typed.
      this.show(
        null,
        frame.display === '' ? '\r\x1b[K' : `${frame.display.replace(/\r?\n/g, '\r\n')}\r\n`,
      );
      this.lineStart = true;
    }
    const ends = mark.kind === 'E' || mark.kind === 'P';
    if (ends) this.frame = null;
    this.emit('mark', mark);
    if (ends) this.screen.settle();
    // The output's last line was left open (`printf x`): the prompt starts a line of its own,
    // as zsh makes it (after the mark: it is not the command's output).
    if (ends && !this.lineStart) this.take(null, '\r\n');
  }

  /**
   * While a hop is left, the terminal's answers are dropped until the exit's line ends (the
   * leaving shell asks before it reads its exit); the shell below is answered again from the
   * first line feed on, in the same chunk too.
   */
  private parse(chunk: Buffer | null, decoded: string, plain?: boolean): void {
    const cut = this.leavingHop ? decoded.indexOf('\n') + 1 : 0;
    if (cut === 0) {
      this.screen.write(chunk ?? decoded, decoded, plain);
      return;
    }
    this.screen.write(decoded.slice(0, cut), decoded.slice(0, cut));
    this.arrived();
    if (cut < decoded.length) this.screen.write(decoded.slice(cut), decoded.slice(cut));
  }

  private leavingHop = false;

  /** A hop's exit is about to be typed: its shell's late questions go unanswered. */
  leaving(): void {
    this.leavingHop = true;
    this.answerQueries = false;
  }

  /** The hop below is reached (or the leave is over): answer the terminal's queries again. */
  arrived(): void {
    this.leavingHop = false;
    this.answerQueries = true;
  }

  /**
   * Subscribes to text, first receiving what arrived while nobody listened, unless `fresh`
   * (then that backlog is dropped: old prompts in it must not match a new wait).
   */
  onText(listener: (text: string) => void, options: { fresh?: boolean } = {}): () => void {
    if (options.fresh) this.backlog = '';
    if (this.backlog) {
      const pending = this.backlog;
      this.backlog = '';
      listener(pending);
    }
    this.on('text', listener);
    return () => this.off('text', listener);
  }

  /** The text that arrived while nobody listened, handed over (and no longer kept). */
  takeBacklog(): string {
    const text = this.backlog;
    this.backlog = '';
    return text;
  }

  /** Keeps text for the next listener; only the end matters for matching, so it is bounded. */
  private keep(text: string): void {
    // Cut only once it has grown to twice the bound: cutting per chunk copies it every time.
    this.backlog += text;
    if (this.backlog.length > 2 * BACKLOG_CHARS) this.backlog = this.backlog.slice(-BACKLOG_CHARS);
  }

  /**
   * Gives text back to be read first by the next listener: the rest of a chunk after a match
   * belongs to the next wait.
   */
  unread(text: string): void {
    this.backlog = (text + this.backlog).slice(-BACKLOG_CHARS);
  }

  private logRaw(chunk: Buffer): void {
    const ring = this.raw;
    const bytes = chunk.length > ring.length ? chunk.subarray(chunk.length - ring.length) : chunk;
    const first = Math.min(bytes.length, ring.length - this.rawAt);
    bytes.copy(ring, this.rawAt, 0, first);
    bytes.copy(ring, 0, first);
    const end = this.rawAt + bytes.length;
    if (end >= ring.length) this.rawFull = true;
    this.rawAt = end % ring.length;
  }

  /** The raw bytes received (escape sequences and all), at most the last RAW_LOG_BYTES. */
  rawLog(): Buffer {
    if (!this.rawFull) return Buffer.from(this.raw.subarray(0, this.rawAt));
    return Buffer.concat([this.raw.subarray(this.rawAt), this.raw.subarray(0, this.rawAt)]);
  }

  /** Every secret value typed so far, to redact from screens and transcripts (memory only). */
  readonly secrets = new Set<string>();

  write(data: string, options: { secret?: boolean; by?: string } = {}): void {
    if (this.closed) return;
    const secret = options.secret ?? false;
    if (secret) {
      const value = data.replace(/\r$/, '');
      if (value) this.secrets.add(value);
    }
    this.channel.write(data);
    this.emit('sent', { data, secret, ...(options.by ? { by: options.by } : {}) });
  }

  /** While > 0, what arrives reaches the screen but no `display` listener (the transcript). */
  private quiet = 0;

  /**
   * Runs `work` with the display stream withheld: a file moving through the terminal (base64)
   * is recorded as a placeholder, never as its content.
   */
  async quietly<T>(work: () => Promise<T>): Promise<T> {
    this.quiet++;
    try {
      return await work();
    } finally {
      this.quiet--;
    }
  }

  /** Types without a `sent` event: for a file's encoded content, which no record may keep. */
  writeQuiet(data: string): void {
    if (!this.closed) this.channel.write(data);
  }

  resize(cols: number, rows: number): void {
    this.size.cols = cols;
    this.size.rows = rows;
    this.channel.setWindow(rows, cols, 0, 0);
    this.screen.resize(cols, rows);
  }
}
