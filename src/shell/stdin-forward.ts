import type { Readable } from 'node:stream';
import { GatewalkError } from '../errors.js';
import type { NavSession } from '../navigator/session.js';
import { randomHex } from '../util/random.js';
import type { CommandResult, ShellExecutor } from './executor.js';
import { singleQuoted } from './framing.js';

// `gatewalk run` with data on its standard input, as `ssh host cmd` forwards it. The command
// runs in a terminal (PTY), whose line discipline would mangle raw bytes (echo, ^C/^D/^Z,
// 4095-byte lines), so the bytes travel as base64 lines typed with echo off and are decoded on
// the remote side into the command's standard input:
//
//   (trap 'stty echo' EXIT; trap 'exit 130' INT HUP TERM; set +e; <base64 there?>;
//    stty -echo || exit 125; <mark I>;
//    base64 -d | ( ( eval ' CMD' ); r=$?; <mark O>; cat >/dev/null; exit $r ))
//
// - Mark I (an OSC string a terminal swallows, with a fresh nonce) says echo is off: no byte is
//   typed before it, so none is echoed back into the output or the transcript.
// - Mark O says the command ended. If stdin has not ended yet, gatewalk stops reading it and
//   types Ctrl-D: a producer that never closes cannot keep the command's end waiting. Lines
//   already on their way are decoded into `cat >/dev/null`, never left in the terminal's input
//   (the shell would read them as commands at its next prompt). Ctrl-D is typed exactly once,
//   at the start of a line: a second one would reach the shell's prompt and end the shell.
// - The pipeline's status is its last command's: the command's own exit code (`set +e`: an
//   errexit from a .bashrc must not skip mark O; `exit 7` stays in the inner subshell).
// - The traps put echo back however the line ends (the command fails, Ctrl-C, a hangup).

/** A base64 line holds 57 bytes as 76 characters (the MIME width): no line discipline limit. */
const LINE_BYTES = 57;
/** The channel's own buffer, past which reading stdin pauses until it drains. */
const HIGH_WATER = 256 * 1024;
const MARK = '\x1b]6974;';

/** The line typed for `command` with stdin forwarded: POSIX sh, bash, ash, mksh and zsh. */
export function forwardingLine(command: string, nonce: string): string {
  const mark = (kind: string) => `printf '\\033]6974;${kind};%s\\007' ${nonce}`;
  return [
    `(trap 'stty echo' EXIT`,
    `trap 'exit 130' INT HUP TERM`,
    'set +e',
    `command -v base64 >/dev/null 2>&1 || { echo 'gatewalk: no base64 command at this hop' >&2; exit 127; }`,
    `stty -echo || exit 125`,
    mark('I'),
    `{ base64 -d || cat >/dev/null; } | ( ( eval ${singleQuoted(` ${command}`, 'posix')} ); r=$?; ${mark('O')}; cat >/dev/null; exit $r ))`,
  ].join('; ');
}

/** What a forwarded run gives back: the result, and whether the data had started to flow. */
export interface Forwarded {
  result: CommandResult;
  /** Mark I came: echo was off and stdin was being forwarded (else nothing of it was read). */
  forwarded: boolean;
}

/**
 * Runs `command` at the session's last hop (a `shell: posix` hop with a POSIX shell or zsh)
 * with `input` as its standard input, streamed; resolves with its result like
 * `ShellExecutor.execute` (within `timeoutMs`).
 */
export async function runWithStdin(
  sh: ShellExecutor,
  session: NavSession,
  command: string,
  input: Readable,
  timeoutMs: number,
): Promise<Forwarded> {
  const pty = session.pty;
  const nonce = randomHex(8);
  const deadline = performance.now() + timeoutMs;
  const pump = new Pump(input, (data) => pty.writeQuiet(data), pty.channel);
  let forwarded = false;
  let seen = '';
  // Marks are looked for in the raw stream (text listeners get it stripped of OSC strings).
  const onRaw = (chunk: Buffer) => {
    seen = (seen + chunk.toString('latin1')).slice(-(chunk.length + 64));
    if (!forwarded && seen.includes(`${MARK}I;${nonce}\x07`)) {
      forwarded = true;
      pump.start();
    }
    if (seen.includes(`${MARK}O;${nonce}\x07`)) pump.commandEnded();
    if (forwarded) seen = seen.slice(-64);
  };
  pty.on('raw', onRaw);
  try {
    const started = await sh.execute(forwardingLine(command, nonce), {
      timeoutMs: 0,
      maxOutput: Number.MAX_SAFE_INTEGER,
      display: command,
    });
    // fish cannot parse the line (nothing of it ran): said as the refusal it is.
    if (sh.shellFlavor === 'fish') {
      await sh.get(started.command_id, 2000).catch(() => undefined);
      throw notPosix(session, 'runs fish');
    }
    let result = await sh.get(started.command_id, Math.max(1, deadline - performance.now()));
    // A line like "Password: " reads as a question to the terminal, but the command's stdin is
    // the data (also once it has all been typed: it may not have been read yet), so it is no
    // question to the terminal: wait on for its next output, its end or the deadline. Before
    // mark I nothing of the command ran: such a line is a piece of the typed line's echo.
    // And a result still `running` before the deadline came back early (a question answered
    // by the next chunk): the command's end is what is waited for.
    while (result.status !== 'done' && performance.now() < deadline) {
      if (result.status === 'awaiting_input')
        await nextChunk(session, deadline - performance.now());
      result = await sh.get(started.command_id, Math.max(1, deadline - performance.now()));
    }
    return { result, forwarded };
  } finally {
    pty.off('raw', onRaw);
    pump.stop();
  }
}

/**
 * Watches a stdin that fstat called a pipe, socket or file, without consuming it: its first
 * chunk is put back. `state()` says what is known when the command is about to be typed:
 * `data` (bytes came), `empty` (it ended with none: a closed pipe, as a CI runner's, gives
 * nothing and changes nothing), `open` (nothing yet: a producer that may write later).
 */
export function peekStdin(stream: Readable): { state(): 'data' | 'empty' | 'open' } {
  let state: 'data' | 'empty' | 'open' = 'open';
  const onData = (chunk: Buffer) => {
    stream.pause();
    stream.unshift(chunk);
    state = 'data';
    stream.off('end', onEnd);
  };
  const onEnd = () => {
    state = 'empty';
    stream.off('data', onData);
  };
  stream.once('data', onData);
  stream.once('end', onEnd);
  stream.resume();
  return {
    state() {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      return state;
    },
  };
}

/** Resolves at the next bytes from the remote side, or after `ms`. */
function nextChunk(session: NavSession, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      session.pty.off('raw', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(1, ms));
    session.pty.on('raw', done);
  });
}

/** The refusal for a last hop that cannot take stdin. */
export function notPosix(session: NavSession, why: string): GatewalkError {
  const hop = session.profile.hops.at(-1)?.name ?? '?';
  return new GatewalkError(
    'stdin_not_forwardable',
    `stdin has data, and the last hop "${hop}" ${why}: gatewalk forwards stdin only to a shell: posix hop with a POSIX shell. Use -n (--no-stdin) to run without it`,
  );
}

/** Reads stdin and types it as base64 lines, with backpressure from the SSH channel. */
class Pump {
  private carry: Buffer = Buffer.alloc(0);
  private running = false;
  /** Ctrl-D was typed (stdin ended, or the command did): nothing more is typed. */
  private ended = false;
  private readonly onData = (chunk: Buffer) => this.data(chunk);
  private readonly onEnd = () => this.finish(true);
  private readonly onDrain = () => {
    if (!this.ended) this.input.resume();
  };

  constructor(
    private readonly input: Readable,
    private readonly type: (data: string) => void,
    private readonly channel: {
      writableLength: number;
      once(e: 'drain', l: () => void): unknown;
      off(e: 'drain', l: () => void): unknown;
    },
  ) {}

  start(): void {
    if (this.running || this.ended) return;
    this.running = true;
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    this.input.once('error', this.onEnd);
    this.input.resume();
  }

  private data(chunk: Buffer): void {
    if (this.ended) return;
    const all = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = all.length - (all.length % LINE_BYTES);
    this.carry = Buffer.from(all.subarray(whole));
    if (whole > 0) this.type(lines(all.subarray(0, whole)));
    if (this.channel.writableLength > HIGH_WATER) {
      this.input.pause();
      this.channel.once('drain', this.onDrain);
    }
  }

  /** The command ended first: stdin is no longer read, its data dropped (as ssh does). */
  commandEnded(): void {
    if (this.running) this.finish(false);
  }

  private finish(flush: boolean): void {
    if (this.ended) return;
    if (flush && this.carry.length > 0) this.type(lines(this.carry));
    this.carry = Buffer.alloc(0);
    // At the start of a line (every write ends with one): the decoder's end of input.
    this.type('\x04');
    this.ended = true;
    this.stop();
  }

  stop(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onEnd);
    this.channel.off('drain', this.onDrain);
    this.input.pause();
  }
}

function lines(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\n`;
  return out;
}
