import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import { earliestMatch } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Handler, Hop } from '../profiles/types.js';
import type { Mark } from '../terminal/marks.js';
import {
  MAX_LINE,
  endOf,
  frameCommand,
  helperLine,
  helpersMissing,
  prepareCommand,
  type Frame,
  type ShellFlavor,
} from './framing.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import { HopGuard } from './hop-guard.js';
import { probeShell, type ShellKind } from './prepare.js';
import {
  newRun,
  resultOf,
  settleAtDeadline,
  summarize,
  waitForRun,
  waitForText,
  type Running,
} from './running.js';
import { answerHandlers } from './handlers.js';
import {
  looksLikeInputPrompt,
  type HopLeft,
  type CommandResult,
  type CommandStatus,
  type CommandSummary,
  type ExecuteOptions,
  type ExecutorOptions,
} from './types.js';

export type {
  CommandResult,
  CommandStatus,
  CommandSummary,
  ExecuteOptions,
  ExecutorOptions,
  HopLeft,
};

const KEEP_FINISHED = 20;

/**
 * Runs commands at the last hop of a session: one at a time, each framed so its exact output and
 * exit code come back (posix hops), or ended by the hop's prompt (`shell: none`). Long commands
 * return `running` and go on; commands that wait for input say so; the hop's handlers answer
 * what the profile knows (a sudo password) while a command runs.
 */
export class ShellExecutor {
  private current: Running | null = null;
  private readonly finished = new Map<string, Running>();
  /** The shell's flavor once the hop's shell was probed and prepared (posix hops). */
  private flavor: ShellFlavor | null = null;
  /** What answered the probe: bash, zsh, ksh (mksh), fish or sh. */
  private shellName: string | null = null;
  private refused: GatewalkError | null = null;
  private starting = false;

  private readonly guard: HopGuard;

  constructor(
    private readonly session: NavSession,
    private readonly options: ExecutorOptions = {},
  ) {
    this.guard = new HopGuard(session, options);
  }

  private get hop(): Hop {
    const hop = this.session.profile.hops.at(-1);
    if (!hop?.prompt)
      throw new GatewalkError('profile_invalid', 'the session has no hop with a prompt');
    return hop;
  }

  /** Starts a command and waits for it up to the timeout. */
  async execute(command: string, options: ExecuteOptions = {}): Promise<CommandResult> {
    if (this.current && options.waitIfBusyMs)
      await waitForRun(this.current, options.waitIfBusyMs, true);
    if (this.starting && !this.current) {
      throw new GatewalkError(
        'session_busy',
        'another command is starting on this session: try again in a moment',
      );
    }
    if (this.current) {
      throw new GatewalkError(
        'session_busy',
        `command ${this.current.id} is still running: wait for it with get_command, answer it with send_text, or interrupt it`,
      );
    }
    // Claimed before the first await: two calls at once must not both type into the shell.
    this.starting = true;
    try {
      return await this.startAndWait(command, options);
    } finally {
      this.starting = false;
    }
  }

  private async startAndWait(command: string, options: ExecuteOptions): Promise<CommandResult> {
    if (this.hop.shell === 'posix' && this.flavor === null) await this.prepare();
    const run = await this.start(command, options.memoryChars, options.timeoutMs);
    run.command = command;
    this.options.onCommand?.({ phase: 'start', id: run.id, command });
    await waitForRun(run, options.timeoutMs ?? 30_000);
    settleAtDeadline(run);
    return this.result(run, options.maxOutput);
  }

  /** More output or the final result of a command, waiting up to `waitMs` for it to end. */
  async get(id: string, waitMs = 0, maxOutput?: number): Promise<CommandResult> {
    const run = this.current?.id === id ? this.current : this.finished.get(id);
    if (!run) throw new GatewalkError('command_unknown', `no command ${id} in this session`);
    await waitForRun(run, waitMs);
    if (waitMs > 0) settleAtDeadline(run);
    return this.result(run, maxOutput);
  }

  /**
   * Resolves once the running command's output contains `text` (event-driven), or rejects after
   * `timeoutMs` or when the command ends first.
   */
  waitForOutput(id: string, text: string, timeoutMs: number): Promise<void> {
    const run = this.current?.id === id ? this.current : undefined;
    if (!run)
      return Promise.reject(new GatewalkError('command_unknown', `command ${id} is not running`));
    return waitForText(run, text, timeoutMs);
  }

  /** Writes raw bytes to the terminal for the running command (data for its standard input). */
  writeRaw(data: string): void {
    this.session.pty.write(data);
  }

  /** A byte range of a command's whole output, for outputs a result showed only the ends of. */
  outputRange(id: string, offset: number, length: number): Buffer {
    const run = this.current?.id === id ? this.current : this.finished.get(id);
    if (!run) throw new GatewalkError('command_unknown', `no command ${id} in this session`);
    return run.output.range(offset, length);
  }

  /**
   * Types text for a command that waits for input (Enter appended unless `enter` is false); a
   * `sensitive` text is recorded as a secret (redacted in transcripts and screens).
   */
  sendInput(text: string, enter = true, sensitive = false): void {
    if (this.current) this.current.waitingForInput = false;
    this.session.pty.write(enter ? `${text}\r` : text, { secret: sensitive });
  }

  /**
   * Ctrl-C, and the result once the prompt is back; Ctrl-\ when Ctrl-C was not enough. Throws
   * when neither brings the prompt back.
   */
  async interrupt(graceMs = 2000): Promise<CommandResult | null> {
    const run = this.current;
    if (!run) return null;
    run.interrupted = true;
    // Ctrl-C twice: one that lands while the shell is still starting the program (between fork
    // and exec) is lost; the second reaches the program. Then Ctrl-\.
    const steps: [string, number][] = [
      ['\x03', graceMs / 2],
      ['\x03', graceMs / 2],
      ['\x1c', graceMs],
    ];
    for (const [key, wait] of steps) {
      // A key is typed only where the command runs: if its hop is gone, the command is over.
      if (this.hopEnded(run, run.phase === 'body' ? run.pending : '', run.pending.slice(-1024)))
        return this.result(run);
      this.session.pty.write(key);
      await waitForRun(run, wait);
      if (run.phase === 'done') return this.result(run);
    }
    throw new GatewalkError(
      'interrupt_failed',
      `command ${run.id} ignored Ctrl-C and Ctrl-\\; the session stays busy`,
    );
  }

  /**
   * Once per hop, before its first command: which shell answers (the probe), then its settings
   * (no pagers, no bracketed paste), framed like any command. A shell gatewalk cannot frame
   * commands in is refused with an error that names it; nothing else is typed then.
   */
  private async prepare(): Promise<void> {
    // A shell refused once (csh, a multiplexer) is not asked again: the probe would be typed
    // again for nothing.
    if (this.refused) throw this.refused;
    await this.guard.atPrompt();
    let kind: ShellKind;
    try {
      kind = await probeShell(this.session, 10_000);
    } catch (err) {
      if (err instanceof GatewalkError && /^shell_(unsupported|multiplexer)$/.test(err.code))
        this.refused = err;
      throw err;
    }
    const prep = await this.start(
      prepareCommand(kind.flavor),
      undefined,
      undefined,
      kind.flavor,
      '',
    );
    await waitForRun(prep, 10_000);
    if (prep.phase !== 'done') {
      await this.interrupt(1000).catch(() => undefined);
      throw new GatewalkError(
        'shell_unprepared',
        `the ${kind.name} shell at hop "${this.hop.name}" did not finish its preparation command`,
      );
    }
    this.flavor = kind.flavor;
    this.shellName = kind.name;
  }

  /** The shell's flavor, once the hop's shell has been probed (posix hops). */
  get shellFlavor(): ShellFlavor | null {
    return this.flavor;
  }

  get busy(): string | null {
    return this.current?.id ?? null;
  }

  private async start(
    command: string,
    memoryChars?: number,
    timeoutMs?: number,
    flavor = this.flavor ?? 'posix',
    display?: string,
  ): Promise<Running> {
    await this.guard.atPrompt(timeoutMs);
    const hop = this.hop;
    const id = `cmd_${randomBytes(6).toString('hex')}`;
    // The hop's first command (its preparation, display '') defines the marker functions.
    const frame =
      hop.shell === 'posix' ? frameCommand(command, undefined, flavor, display === '') : null;
    const run = newRun(id, this.session.at, frame, hop.prompt ?? '', {
      memoryChars: memoryChars ?? this.options.memoryChars ?? 1024 * 1024,
      spillDir: this.options.spillDir ?? join(tmpdir(), `gatewalk-${process.pid}`, 'outputs'),
    });
    const handlers = [...this.session.profile.on, ...hop.on];
    const offText = this.session.pty.onText((text) => this.onText(run, text, handlers), {
      fresh: true,
    });
    const onClose = () => this.closedDuring(run);
    const onMark = (mark: Mark) => this.onMark(run, mark);
    this.session.pty.once('close', onClose);
    this.session.pty.on('mark', onMark);
    run.stop = () => {
      offText();
      this.session.pty.off('close', onClose);
      this.session.pty.off('mark', onMark);
      if (run.frame) this.session.pty.endFrame();
    };
    this.current = run;
    // A person watching sees the command as typed (gatewalk's own preparation as an empty line).
    if (frame) this.session.pty.expectFrame(frame.nonce, display ?? command);
    this.session.pty.write(`${frame ? frame.line : command}\r`);
    return run;
  }

  /** The command's own marks: where its output starts, and its end with exit code and cwd. */
  private onMark(run: Running, mark: Mark): void {
    if (!run.frame || mark.nonce !== run.frame.nonce) return;
    if (mark.kind === 'S' && run.phase === 'start') {
      // What came before was the echo of the typed line: it holds the command and whatever
      // the command mentions, so handlers and prompts never read it.
      run.phase = 'body';
      run.pending = '';
      run.tail = '';
    } else if (mark.kind === 'E' && run.phase === 'body') {
      const { code, cwd } = endOf(mark.rest);
      run.output.push(run.pending);
      run.pending = '';
      run.exitCode = code;
      run.cwd = cwd;
      this.finish(run, code);
    }
  }

  private onText(run: Running, text: string, handlers: Handler[]): void {
    run.lastOutput = performance.now();
    const pending = run.pending + text;
    // The last lines, for a first look at a prompt (prompts may span lines).
    run.tail = (run.tail + text).slice(-1024);
    const tail = run.tail;
    if (run.phase === 'start') {
      run.pending = pending.slice(-64 * 1024);
      if (run.interrupted || !run.frame) {
        // Interrupted before it even started (a shell that refused the line), or a command
        // without a frame, which starts after its echoed line: the prompt ends it.
        const back = run.frame ? earliestMatch(pending, [run.prompt]) : null;
        if (back) {
          this.session.pty.unread(pending.slice(back.end));
          this.finish(run, 130);
          return;
        }
        const nl = run.frame ? -1 : pending.indexOf('\n');
        if (nl >= 0) {
          run.phase = 'body';
          run.pending = '';
          run.tail = '';
          if (nl + 1 < pending.length) this.onText(run, pending.slice(nl + 1), handlers);
          return;
        }
      }
      if (
        run.frame &&
        !run.retyped &&
        helpersMissing(pending) &&
        matchesAtEnd(pending, run.prompt)
      ) {
        this.retype(run, run.frame);
        return;
      }
      // The host logged out as the line was typed: it went to the hop below, if anywhere.
      this.hopEnded(run, '', tail);
      return;
    }
    if (!run.frame || run.interrupted) {
      // Without a frame, the prompt ends a command; interrupted, the prompt says the shell is
      // back before any end mark.
      const end = earliestMatch(pending, [run.prompt]);
      if (end) {
        run.output.push(pending.slice(0, end.start));
        this.session.pty.unread(pending.slice(end.end));
        this.finish(run, run.frame ? 130 : null);
        return;
      }
    }
    // A prompt the profile answers is not one the caller has to; once the command is over,
    // nothing is answered (the answer would land at the shell's prompt).
    const answered = this.answerHandlers(run, text, handlers);
    const lastLine = pending.slice(pending.lastIndexOf('\n') + 1);
    if (this.hopEnded(run, pending, tail)) return;
    if (run.frame && this.shellName === 'ksh' && this.guard.lineDropped(tail)) {
      // mksh drops the rest of a line after a syntax error in eval, end marker included.
      run.output.push(pending.slice(0, pending.lastIndexOf('\n') + 1));
      this.finish(run, 2);
      return;
    }
    // Whole lines are output at once; the open last line is kept back a little (a prompt
    // that ends the command must not be part of its output), the more when a prompt ends it.
    const keep = run.frame && !run.interrupted ? Math.min(lastLine.length, 4096) : 8192;
    const cut = Math.max(0, pending.length - keep);
    run.output.push(pending.slice(0, cut));
    run.pending = pending.slice(cut);
    run.waitingForInput = !answered && looksLikeInputPrompt(lastLine);
    run.lastLine = answered ? '' : lastLine;
    for (const notify of run.changed) notify();
  }

  /**
   * The marker functions are gone (the shell is a nested one): nothing of the line ran, since
   * `__gwS` came first. They are defined again and the line typed once more, once.
   */
  private retype(run: Running, frame: Frame): void {
    run.retyped = true;
    run.pending = '';
    const helpers = helperLine(frame.flavor);
    const line = `${helpers};${frame.line}`;
    if (line.length <= MAX_LINE) this.session.pty.write(`${line}\r`);
    else {
      this.session.pty.write(`${helpers}\r`);
      this.session.pty.write(`${frame.line}\r`);
    }
  }

  /** The command ended the hop's shell: the prompt of a hop below came back. */
  private hopEnded(run: Running, pending: string, tail: string): boolean {
    const below = this.guard.shellEnded(tail);
    if (below < 0) return false;
    run.output.push(pending.slice(0, pending.lastIndexOf('\n') + 1));
    run.leftHop = this.guard.endedBelow(below, run.output.view(4096).text, run.phase !== 'start');
    this.finish(run, run.leftHop.exit_code ?? null);
    return true;
  }

  /** The connection closed while the command ran. */
  private closedDuring(run: Running): void {
    if (run.phase === 'done') return;
    run.leftHop = this.guard.closed(run.at);
    this.finish(run, run.leftHop.exit_code ?? null);
  }

  /** Drops every kept output and its spill file (the session is over). */
  dispose(): void {
    for (const run of this.finished.values()) run.output.discard();
    this.finished.clear();
    // A folder of this executor's own (the server gives each session one) goes with it.
    if (this.options.spillDir) rmSync(this.options.spillDir, { recursive: true, force: true });
  }

  /** The running command and the last ones kept, oldest first (gatewalk's own are left out). */
  commands(): CommandSummary[] {
    return summarize([...this.finished.values(), ...(this.current ? [this.current] : [])]);
  }

  /** The hop's handlers answer while a command runs (a sudo password the agent never sees). */
  private answerHandlers(run: Running, text: string, handlers: Handler[]): boolean {
    return answerHandlers(run, text, handlers, {
      write: (data, secret) => this.session.pty.write(data, { secret }),
      // Ctrl-C, then again, then Ctrl-\ if the command is still there.
      stop: () => void this.interrupt(1000).catch(() => undefined),
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
    });
  }

  private finish(run: Running, exitCode: number | null): void {
    if (run.phase === 'done') return;
    run.phase = 'done';
    run.exitCode = exitCode;
    run.ended = performance.now();
    run.output.close();
    run.stop();
    if (this.current === run) this.current = null;
    this.finished.set(run.id, run);
    // Keep the last results only: older outputs (and their spill files) go.
    for (const [id, old] of this.finished) {
      if (this.finished.size <= KEEP_FINISHED) break;
      this.finished.delete(id);
      old.output.discard();
    }
    for (const notify of run.changed) notify();
    const onCommand = this.options.onCommand;
    if (run.command !== null && onCommand)
      void this.result(run, 0).then((result) => onCommand({ phase: 'end', id: run.id, result }));
  }

  private async result(run: Running, maxOutput?: number): Promise<CommandResult> {
    return resultOf(run, this.session.pty, maxOutput);
  }
}
