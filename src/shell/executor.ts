import { randomHex } from '../util/random.js';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import type { NavSession } from '../navigator/session.js';
import type { Hop } from '../profiles/types.js';
import type { Mark } from '../terminal/marks.js';
import { frameCommand, prepareCommand, type ShellFlavor } from './framing.js';
import { HopGuard } from './hop-guard.js';
import { interruptRun } from './interrupt.js';
import { PromptLine, SILENT_MS, gatewaySilent } from './position.js';
import { probeShell, type ShellKind, type ShellProbe } from './prepare.js';
import { RunReader } from './reader.js';
import {
  newRun,
  progressOf,
  resultOf,
  settleAtDeadline,
  summarize,
  waitForRun,
  waitForText,
  type Running,
  type RunProgress,
} from './running.js';
import {
  startEvent,
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
  /** A probe typed into a gateway that went silent: its answer is awaited, not typed again. */
  private probe: ShellProbe | null = null;
  private starting = false;

  private readonly guard: HopGuard;
  private readonly reader: RunReader;
  /** Keys left on the prompt's line, and when the remote last answered. */
  private readonly line: PromptLine;

  constructor(
    private readonly session: NavSession,
    private readonly options: ExecutorOptions = {},
  ) {
    this.guard = new HopGuard(session, options);
    this.line = new PromptLine(session.pty, () => this.current !== null);
    this.reader = new RunReader(session, this.guard, {
      finish: (run, code) => this.finish(run, code),
      // Ctrl-C, then again, then Ctrl-\ if the command is still there.
      stop: () => void this.interrupt(1000).catch(() => undefined),
      shellName: () => this.shellName,
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
  }

  /** The last hop is a `shell: posix` hop: commands are framed, with exit codes. */
  get posix(): boolean {
    return this.session.profile.hops.at(-1)?.shell === 'posix';
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
    if (this.current?.command === null && !this.starting) {
      throw new GatewalkError(
        'session_busy',
        "gatewalk's preparation of the shell has not ended yet (the gateway was silent?): try again in a moment",
      );
    }
    if (this.starting && (!this.current || this.current.command === null)) {
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
    // The probe and the preparation get as long as the call (at least 10 s): a host under load
    // (hundreds of sessions starting at once) answers them slowly, not wrongly.
    if (this.hop.shell === 'posix' && this.flavor === null)
      await this.prepare(Math.max(10_000, options.timeoutMs ?? 30_000));
    const run = await this.start(
      command,
      options.memoryChars,
      options.timeoutMs,
      undefined,
      options.display,
    );
    this.options.onCommand?.(startEvent(this.session, run.id, command, options));
    await waitForRun(run, options.timeoutMs ?? 30_000);
    this.assertAnswered(run);
    settleAtDeadline(run);
    return this.result(run, options.maxOutput);
  }

  /**
   * A command typed into a gateway that then sent nothing back, not even the line's echo: the
   * gateway hangs (a shell echoes at once). Said as such, not as a command still `running`.
   */
  private assertAnswered(run: Running): void {
    const silent = this.line.silentFor();
    if (run.phase !== 'start' || silent === null || silent < SILENT_MS) return;
    const what =
      run.command === null ? "gatewalk's preparation line" : `command ${run.id} was typed`;
    throw gatewaySilent(
      silent,
      what,
      run.command === null
        ? undefined
        : `The command stays typed and runs if the gateway answers again: get_command("${run.id}", wait_s) waits for it`,
    );
  }

  /** More output or the final result of a command, waiting up to `waitMs` for it to end. */
  async get(id: string, waitMs = 0, maxOutput?: number): Promise<CommandResult> {
    const run = this.current?.id === id ? this.current : this.finished.get(id);
    if (!run) throw new GatewalkError('command_unknown', `no command ${id} in this session`);
    await waitForRun(run, waitMs);
    if (waitMs > 0) {
      this.assertAnswered(run);
      settleAtDeadline(run);
    }
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
    this.line.typed(data);
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
    const data = enter ? `${text}\r` : text;
    this.session.pty.write(data, { secret: sensitive });
    this.line.typed(data);
  }

  /** Ctrl-C (then Ctrl-\) for the running command; its result once the prompt is back. */
  async interrupt(graceMs = 2000): Promise<CommandResult | null> {
    const run = this.current;
    if (!run) return null;
    return interruptRun(run, graceMs, {
      hopEnded: (r) => this.reader.hopEnded(r, r.phase === 'body' ? r.pending : '', r.tail),
      type: (key) => this.session.pty.write(key),
      line: this.line,
      result: (r) => this.result(r),
    });
  }

  /**
   * Once per hop, before its first command: which shell answers (the probe), then its settings
   * (no pagers, no bracketed paste), framed like any command. A shell gatewalk cannot frame
   * commands in is refused with an error that names it; nothing else is typed then.
   */
  private async prepare(timeoutMs: number): Promise<void> {
    // A shell refused once (csh, a multiplexer) is not asked again: the probe would be typed
    // again for nothing.
    if (this.refused) throw this.refused;
    if (!this.probe) {
      await this.ready();
      this.probe = probeShell(this.session);
    }
    let kind: ShellKind;
    try {
      kind = await this.probe.wait(timeoutMs);
    } catch (err) {
      if (err instanceof GatewalkError && /^shell_(unsupported|multiplexer)$/.test(err.code))
        this.refused = err;
      // Still silent: the probe stays typed and listening for the next call.
      if (!(err instanceof GatewalkError && err.code === 'gateway_silent')) this.probe = null;
      throw err;
    }
    this.probe = null;
    const prep = await this.start(
      prepareCommand(kind.flavor),
      undefined,
      undefined,
      kind.flavor,
      '',
    );
    await waitForRun(prep, timeoutMs);
    if (prep.phase !== 'done') {
      // Into a silent gateway no key is typed: the line runs (and ends) once it answers.
      this.assertAnswered(prep);
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

  /** The caller's command running now, as a progress report tells it. */
  get runningNow(): RunProgress | null {
    return this.current ? progressOf(this.current) : null;
  }

  private async start(
    command: string,
    memoryChars?: number,
    timeoutMs?: number,
    flavor = this.flavor ?? 'posix',
    display?: string,
  ): Promise<Running> {
    await this.ready(timeoutMs);
    const hop = this.hop;
    const id = `cmd_${randomHex(6)}`;
    // The hop's first command (its preparation, display '') defines the marker functions.
    const frame =
      hop.shell === 'posix' ? frameCommand(command, undefined, flavor, display === '') : null;
    const run = newRun(id, this.session.at, frame, hop.prompt ?? '', {
      memoryChars: memoryChars ?? this.options.memoryChars ?? 1024 * 1024,
      spillDir: this.options.spillDir ?? join(tmpdir(), `gatewalk-${process.pid}`, 'outputs'),
    });
    const handlers = [...this.session.profile.on, ...hop.on];
    const offText = this.session.pty.onText((text) => this.reader.onText(run, text, handlers), {
      fresh: true,
    });
    const onClose = () => this.reader.closedDuring(run);
    const onMark = (mark: Mark) => this.reader.onMark(run, mark);
    this.session.pty.once('close', onClose);
    this.session.pty.on('mark', onMark);
    run.stop = () => {
      offText();
      this.session.pty.off('close', onClose);
      this.session.pty.off('mark', onMark);
      if (run.frame) this.session.pty.endFrame();
    };
    // gatewalk's own preparation (display '') is no caller's command.
    run.command = display === '' ? null : (display ?? command);
    this.current = run;
    // A person watching sees the command as typed (gatewalk's own preparation as an empty line).
    if (frame) this.session.pty.expectFrame(frame.nonce, display ?? command);
    this.session.pty.write(`${frame ? frame.line : command}\r`);
    this.line.owe();
    return run;
  }

  /**
   * Before a line is typed: keys the caller left on the prompt's line are cleared (else the
   * line would be appended to them and never end), then the last hop's prompt must stand at
   * the cursor. A clean line gets nothing typed.
   */
  private async ready(timeoutMs?: number): Promise<void> {
    const last = this.session.profile.hops.length - 1;
    if (this.session.at === last) await this.line.clear(this.session, timeoutMs);
    // A line the caller entered may not have been answered yet: the old prompt would still
    // stand at the cursor, and a command typed now could land in a continuation (`> `).
    // One budget for both waits: as long as a step of the profile, or the call's own if less.
    const budget = Math.min(timeoutMs || Infinity, this.session.profile.timeoutMs);
    const waitStart = performance.now();
    await this.line.answered(budget);
    try {
      await this.guard.atPrompt(Math.max(1, budget - (performance.now() - waitStart)));
    } catch (err) {
      // The prompt due after the last end mark never came, and nothing else did: not output
      // after the prompt, a gateway that stopped answering.
      const silent = this.line.silentFor();
      if (
        err instanceof GatewalkError &&
        err.code === 'prompt_not_at_cursor' &&
        silent !== null &&
        silent >= SILENT_MS &&
        performance.now() - waitStart >= SILENT_MS / 2
      )
        throw gatewaySilent(
          silent,
          'the last command ended (its prompt never came)',
          'Nothing was typed. Wait a moment and retry',
        );
      throw err;
    }
  }

  /** Drops every kept output and its spill file (the session is over). */
  dispose(): void {
    this.line.dispose();
    for (const run of this.finished.values()) run.output.discard();
    this.finished.clear();
    // A folder of this executor's own (the server gives each session one) goes with it.
    if (this.options.spillDir) rmSync(this.options.spillDir, { recursive: true, force: true });
  }

  /** The running command and the last ones kept, oldest first (gatewalk's own are left out). */
  commands(): CommandSummary[] {
    return summarize([...this.finished.values(), ...(this.current ? [this.current] : [])]);
  }

  private finish(run: Running, exitCode: number | null): void {
    if (run.phase === 'done') return;
    // After an end mark the shell's prompt is due at once.
    if (run.frame && !run.interrupted && !run.leftHop) this.line.owe();
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
