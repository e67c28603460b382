// Colour and a spinner for the CLI's stderr, for a person at a terminal only: pipes and CI logs
// get the plain lines, byte for byte. Colour follows https://no-color.org: NO_COLOR set (not
// empty) turns it off; FORCE_COLOR (not 0/false) turns it on where stderr is no TTY; TERM=dumb
// turns it off. The spinner needs a real TTY (it redraws its line in place), colour or not.
// This module is imported at start-up (errors are red): it imports nothing.

/** The stream progress and errors go to (process.stderr, or a test's stand-in). */
export interface StyleStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

type Env = Record<string, string | undefined>;

const set = (v: string | undefined) => v !== undefined && v !== '';

/** Whether text written to `stream` gets colours. */
export function colorEnabled(stream: StyleStream | undefined, env: Env): boolean {
  if (set(env.NO_COLOR)) return false;
  const force = env.FORCE_COLOR;
  if (set(force)) return force !== '0' && force !== 'false';
  return stream?.isTTY === true && env.TERM !== 'dumb';
}

/** Whether a spinner may redraw a line of `stream` in place. */
export function spinnerEnabled(stream: StyleStream | undefined, env: Env): boolean {
  return stream?.isTTY === true && env.TERM !== 'dumb';
}

const SGR = { bold: '1', dim: '2', red: '31', green: '32' } as const;
const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
/** Redraws per second: smooth enough, and cheap over a slow SSH session to the person. */
const FRAME_MS = 80;
/** A wait shorter than this shows no spinner (the lab answers in milliseconds). */
const SPIN_AFTER_MS = 300;
/** Erases the spinner's line: back to its start, then clear to the end of the line. */
export const CLEAR_LINE = '\r\x1b[K';

export class Style {
  readonly color: boolean;
  private readonly spins: boolean;
  private timer: ReturnType<typeof setInterval> | null = null;
  private label: (() => string) | null = null;
  private since = 0;
  private frame = 0;
  /** The spinner's line is on the screen (must be erased before anything else is written). */
  private drawn = false;

  constructor(
    private readonly stream: StyleStream | undefined,
    env: Env,
    /** Writes one line to stderr (the CLI's io.err): every line goes through it. */
    private readonly line: (text: string) => void,
    /** false: no spinner (-q: no progress at all). */
    spinner = true,
  ) {
    this.color = colorEnabled(stream, env);
    this.spins = spinner && spinnerEnabled(stream, env);
  }

  paint(kind: keyof typeof SGR, text: string): string {
    return this.color ? `\x1b[${SGR[kind]}m${text}\x1b[0m` : text;
  }
  bold = (text: string) => this.paint('bold', text);
  dim = (text: string) => this.paint('dim', text);
  red = (text: string) => this.paint('red', text);
  green = (text: string) => this.paint('green', text);

  /** One line on stderr, the spinner erased first (and drawn again at its next frame). */
  say(text: string): void {
    this.erase();
    this.line(text);
  }

  /** An error line: red on a colour terminal. */
  error(text: string): void {
    this.say(this.red(text));
  }

  /**
   * Shows a spinner with `label()` and the seconds since this call, once the wait has lasted
   * SPIN_AFTER_MS; replaces the one shown. Nothing on a stream that is no TTY.
   */
  spin(label: () => string): void {
    if (!this.spins) return;
    this.label = label;
    this.since = performance.now();
    if (this.timer) return;
    this.timer = setInterval(() => this.draw(), FRAME_MS);
    // Display only: it never keeps the process alive (stop() clears it anyway).
    this.timer.unref();
  }

  /** A spinner's timer runs (it never keeps the process alive: it is unref'd). */
  get spinning(): boolean {
    return this.timer !== null;
  }

  /** No more spinner: its timer cleared, its line erased. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.label = null;
    this.erase();
  }

  private draw(): void {
    const label = this.label;
    const ms = performance.now() - this.since;
    if (!label || ms < SPIN_AFTER_MS || !this.stream) return;
    const frame = FRAMES[this.frame++ % FRAMES.length] ?? '';
    this.stream.write(
      `${CLEAR_LINE}${frame} ${label()} ${this.dim(`${(ms / 1000).toFixed(1)} s`)}`,
    );
    this.drawn = true;
  }

  private erase(): void {
    if (!this.drawn) return;
    this.stream?.write(CLEAR_LINE);
    this.drawn = false;
  }
}
