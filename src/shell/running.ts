import { GatewalkError } from '../errors.js';
import { redactSecrets, type Frame } from './framing.js';
import { CommandOutput, type OutputLimits } from './output.js';
import {
  looksLikeOpenQuestion,
  type CommandResult,
  type CommandStatus,
  type CommandSummary,
  type HopLeft,
} from './types.js';

/** One command as the executor tracks it. */
export interface Running {
  id: string;
  /** The hop the session stood at when the command was typed. */
  at: number;
  /** What the caller asked to run (null for gatewalk's own shell preparation). */
  command: string | null;
  frame: Frame | null;
  /** Wall-clock start (ISO), for listings. */
  startedAt: string;
  /** performance.now() when the command ended. */
  ended?: number;
  prompt: string;
  started: number;
  /** When output last arrived. */
  lastOutput: number;
  phase: 'start' | 'body' | 'done';
  /** Output not yet given to `output`: the open last line (a prompt may end the command). */
  pending: string;
  /** The last KiB of text since the output started, for prompts that span lines. */
  tail: string;
  handlerWindow: string;
  output: CommandOutput;
  exitCode: number | null;
  cwd?: string;
  waitingForInput: boolean;
  /** The line the output stopped on (no newline yet), unless a profile handler answered it. */
  lastLine?: string;
  /** The line was typed again after the marker functions were found missing. */
  retyped?: boolean;
  /** Ctrl-C was sent: the shell drops the rest of the line, so the prompt ends the command. */
  interrupted: boolean;
  /** A `fail:` handler matched: why the command was stopped. */
  failure?: string;
  /** The command ended the hop's shell: where the session stands now. */
  leftHop?: HopLeft;
  changed: Set<() => void>;
  stop: () => void;
}

/** A running command as a progress report tells it. */
export interface RunProgress {
  id: string;
  command: string;
  ms: number;
  /** Output so far, in bytes. */
  bytes: number;
  /** Its output stopped on a question (a password, a confirmation). */
  asks: boolean;
}

export function progressOf(run: Running): RunProgress | null {
  if (run.command === null || run.phase === 'done') return null;
  return {
    id: run.id,
    command: run.command,
    ms: performance.now() - run.started,
    bytes: run.output.bytes,
    asks: run.waitingForInput,
  };
}

/** Resolves when the command ends (or waits for input, unless `untilDone`), or after `ms`. */
export function waitForRun(run: Running, ms: number, untilDone = false): Promise<void> {
  const settled = () => run.phase === 'done' || (!untilDone && run.waitingForInput);
  if (settled() || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      run.changed.delete(check);
      resolve();
    };
    const check = () => {
      if (settled()) done();
    };
    const timer = setTimeout(done, ms);
    run.changed.add(check);
  });
}

/** Output held back (the open last line), shown with the output of a command still running. */
export function visiblePending(run: Running): string {
  return run.phase === 'body' ? run.pending : '';
}

export function statusOf(run: Running): CommandStatus {
  return run.phase === 'done' ? 'done' : run.waitingForInput ? 'awaiting_input' : 'running';
}

/** Commands for a listing; gatewalk's own (the shell preparation) are left out. */
export function summarize(runs: Running[]): CommandSummary[] {
  return runs.flatMap((run) =>
    run.command === null
      ? []
      : [
          {
            command_id: run.id,
            command: run.command,
            status: statusOf(run),
            exit_code: run.phase === 'done' ? run.exitCode : null,
            started_at: run.startedAt,
            duration_ms: Math.round((run.ended ?? performance.now()) - run.started),
          },
        ],
  );
}

/**
 * At the caller's deadline (not a quiet timer: the call ends then anyway), a command still on
 * an open question ("Name: ") is waiting for input. Such a line can also be half of an error
 * message still being written, which is why it only counts once the deadline has passed.
 */
export function settleAtDeadline(run: Running): void {
  if (run.phase !== 'done' && !run.waitingForInput && looksLikeOpenQuestion(run.lastLine ?? ''))
    run.waitingForInput = true;
}

/**
 * Resolves once the command's output contains `text` (event-driven), or rejects after
 * `timeoutMs` or when the command ends first. Only what the command printed counts: the echo
 * of the typed line holds the command's own text.
 */
export function waitForText(run: Running, text: string, timeoutMs: number): Promise<void> {
  const seen = () =>
    (run.output.full() ?? '').includes(text) ||
    (run.phase === 'body' && run.pending.includes(text));
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
        done(new GatewalkError('command_ended', `command ${run.id} ended before printing ${text}`));
    };
    const timer = setTimeout(
      () =>
        done(
          new GatewalkError(
            'command_timeout',
            `command ${run.id} did not print ${text} within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    run.changed.add(check);
  });
}

/** A command about to be typed: `at` is the hop it is typed at. */
export function newRun(
  id: string,
  at: number,
  frame: Frame | null,
  prompt: string,
  limits: OutputLimits,
): Running {
  return {
    id,
    at,
    command: null,
    frame,
    startedAt: new Date().toISOString(),
    prompt,
    started: performance.now(),
    lastOutput: performance.now(),
    phase: 'start',
    pending: '',
    tail: '',
    handlerWindow: '',
    output: new CommandOutput(id, limits),
    exitCode: null,
    waitingForInput: false,
    interrupted: false,
    changed: new Set(),
    stop: () => {},
  };
}

/** What a caller gets: the output so far or whole, the status; no secret typed in the session. */
export function resultOf(
  run: Running,
  pty: { secrets: Set<string>; screen: { text(): string } },
  maxOutput = 64 * 1024,
): CommandResult {
  const { text, truncated } = run.output.view(maxOutput);
  const output = redactSecrets(truncated ? text : text + visiblePending(run), pty.secrets);
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
    ...(run.leftHop === undefined ? {} : { left_hop: run.leftHop }),
    ...(status === 'running' ? { idle_ms: Math.round(performance.now() - run.lastOutput) } : {}),
    ...(status === 'awaiting_input'
      ? { screen: redactSecrets(pty.screen.text(), pty.secrets) }
      : {}),
  };
}
