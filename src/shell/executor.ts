import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import { earliestMatch } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Handler, Hop } from '../profiles/types.js';
import { frameCommand, PREPARE_SHELL, redactSecrets } from './framing.js';
import { CommandOutput } from './output.js';
import {
  settleAtDeadline,
  statusOf,
  summarize,
  visiblePending,
  waitForRun,
  type Running,
} from './running.js';
import { answerHandlers } from './handlers.js';
import { waitForPrompt } from './prompt-wait.js';
import {
  looksLikeInputPrompt,
  type CommandResult,
  type CommandStatus,
  type CommandSummary,
  type ExecuteOptions,
  type ExecutorOptions,
} from './types.js';

export type { CommandResult, CommandStatus, CommandSummary, ExecuteOptions, ExecutorOptions };

const KEEP_FINISHED = 20;

// Enough text kept back to find an end marker that a chunk boundary cut (it holds the cwd).
const MARKER_WINDOW = 4400;

/**
 * Runs commands at the last hop of a session: one at a time, each framed so its exact output and
 * exit code come back (posix hops), or ended by the hop's prompt (`shell: none`). Long commands
 * return `running` and go on; commands that wait for input say so; the hop's handlers answer
 * what the profile knows (a sudo password) while a command runs.
 */
export class ShellExecutor {
  private current: Running | null = null;
  private readonly finished = new Map<string, Running>();
  private prepared = false;
  private starting = false;
  /** A command ran since the walk: its prompt is to come before the next command. */
  private afterCommand = false;

  constructor(
    private readonly session: NavSession,
    private readonly options: ExecutorOptions = {},
  ) {}

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
    if (this.hop.shell === 'posix' && !this.prepared) {
      this.prepared = true;
      const prep = await this.start(PREPARE_SHELL);
      await waitForRun(prep, 10_000);
      if (prep.phase !== 'done')
        throw new GatewalkError(
          'shell_unprepared',
          'the shell did not answer the preparation command',
        );
    }
    const run = await this.start(command, options.memoryChars);
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
    const seen = () => (run.output.full() ?? '').includes(text) || run.pending.includes(text);
    if (seen()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        run.changed.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (seen()) done();
        else if (run.phase === 'done')
          done(new GatewalkError('command_ended', `command ${id} ended before printing ${text}`));
      };
      const timer = setTimeout(
        () =>
          done(
            new GatewalkError(
              'command_timeout',
              `command ${id} did not print ${text} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      run.changed.add(check);
    });
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
   * Before typing a command, waits (event-driven, at most 5 s) for the prompt the previous one
   * left, and for the terminal to have answered what the shell asked with it: busybox ash asks
   * for the cursor position at every prompt, and an answer arriving after our command line
   * would land on the command's standard input.
   */
  private async atPrompt(): Promise<void> {
    if (!this.afterCommand) return;
    this.afterCommand = false;
    await waitForPrompt(this.session.pty, this.hop.prompt ?? '', 5000);
    await this.session.pty.screen.snapshot();
  }

  get busy(): string | null {
    return this.current?.id ?? null;
  }

  private async start(command: string, memoryChars?: number): Promise<Running> {
    await this.atPrompt();
    const hop = this.hop;
    const id = `cmd_${randomBytes(6).toString('hex')}`;
    const frame = hop.shell === 'posix' ? frameCommand(command) : null;
    const run: Running = {
      id,
      command: null,
      frame,
      startedAt: new Date().toISOString(),
      prompt: hop.prompt ?? '',
      started: performance.now(),
      lastOutput: performance.now(),
      phase: 'start',
      pending: '',
      handlerWindow: '',
      output: new CommandOutput(id, {
        memoryChars: memoryChars ?? this.options.memoryChars ?? 1024 * 1024,
        spillDir: this.options.spillDir ?? join(tmpdir(), `gatewalk-${process.pid}`, 'outputs'),
      }),
      exitCode: null,
      waitingForInput: false,
      interrupted: false,
      changed: new Set(),
      stop: () => {},
    };
    const handlers = [...this.session.profile.on, ...hop.on];
    const offText = this.session.pty.onText((text) => this.onText(run, text, handlers), {
      fresh: true,
    });
    const onClose = () => this.finish(run, null);
    this.session.pty.once('close', onClose);
    run.stop = () => {
      offText();
      this.session.pty.off('close', onClose);
    };
    this.current = run;
    this.session.pty.write(`${frame ? frame.line : command}\r`);
    this.afterCommand = true;
    return run;
  }

  private onText(run: Running, text: string, handlers: Handler[]): void {
    // A prompt the profile answers is not one the caller has to.
    const answered = this.answerHandlers(run, text, handlers);
    run.lastOutput = performance.now();
    let pending = run.pending + text;
    if (run.phase === 'start') {
      // Skip the echo of what we typed: output starts after the start marker (or, without a
      // frame, after the echoed line).
      const marker = run.frame ? run.frame.start : '\n';
      const at = pending.indexOf(marker);
      if (at < 0 && run.interrupted) {
        // Interrupted before it even started (a shell that refused the line): the prompt ends it.
        const back = earliestMatch(pending, [run.prompt]);
        if (back) {
          this.session.pty.unread(pending.slice(back.end));
          this.finish(run, 130, true);
          return;
        }
      }
      if (at < 0) {
        run.pending = pending.slice(-64 * 1024);
        return;
      }
      run.phase = 'body';
      pending = pending.slice(at + marker.length);
    }
    let end: RegExpExecArray | ReturnType<typeof earliestMatch> = run.frame
      ? run.frame.end.exec(pending)
      : null;
    if (!end && (!run.frame || run.interrupted)) {
      end = earliestMatch(pending, [run.prompt]);
      if (end && run.frame) {
        // Interrupted before the end marker: the prompt says the shell is back.
        run.output.push(pending.slice(0, end.start));
        this.session.pty.unread(pending.slice(end.end));
        this.finish(run, 130, true);
        return;
      }
    }
    if (end) {
      const start = 'index' in end ? end.index : end.start;
      const stop = 'index' in end ? end.index + end[0].length : end.end;
      run.output.push(pending.slice(0, start));
      if ('index' in end) {
        run.exitCode = Number(end[1]);
        run.cwd = end[2];
      }
      this.session.pty.unread(pending.slice(stop));
      // Ended by the prompt itself (no frame): the next command has no prompt left to wait for.
      this.finish(run, run.exitCode, !('index' in end));
      return;
    }
    // Keep back what could be the start of the end marker; the rest is output.
    const keep = run.frame ? MARKER_WINDOW : 8192;
    const cut = Math.max(0, pending.length - keep);
    run.output.push(pending.slice(0, cut));
    run.pending = pending.slice(cut);
    const lastLine = pending.slice(pending.lastIndexOf('\n') + 1);
    run.waitingForInput = !answered && looksLikeInputPrompt(lastLine);
    run.lastLine = answered ? '' : lastLine;
    for (const notify of run.changed) notify();
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

  private finish(run: Running, exitCode: number | null, promptSeen = false): void {
    if (run.phase === 'done') return;
    if (promptSeen) this.afterCommand = false;
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

  private async result(run: Running, maxOutput = 64 * 1024): Promise<CommandResult> {
    const { text, truncated } = run.output.view(maxOutput);
    // Secrets typed into this session (passwords, sensitive answers) never come back in results.
    const secrets = this.session.pty.secrets;
    const output = redactSecrets(truncated ? text : text + visiblePending(run), secrets);
    const status = statusOf(run);
    return {
      command_id: run.id,
      status,
      exit_code: run.phase === 'done' ? run.exitCode : null,
      output,
      truncated,
      bytes: run.output.bytes,
      duration_ms: Math.round((run.ended ?? performance.now()) - run.started),
      ...(run.cwd === undefined ? {} : { cwd: run.cwd }),
      ...(run.failure === undefined ? {} : { failure: run.failure }),
      ...(status === 'running' ? { idle_ms: Math.round(performance.now() - run.lastOutput) } : {}),
      ...(status === 'awaiting_input'
        ? { screen: redactSecrets(await this.session.pty.screen.text(), secrets) }
        : {}),
    };
  }
}
