// Stopping a running command as a person would: Ctrl-C, Ctrl-C again, then Ctrl-\, each given
// a moment to bring the prompt back; a gateway that answers none of them is said to hang.
import { GatewalkError } from '../errors.js';
import { SILENT_MS, gatewaySilent, type PromptLine } from './position.js';
import { waitForRun, type Running } from './running.js';
import type { CommandResult } from './types.js';

export interface InterruptDeps {
  /** The command's hop has ended (its shell is gone): no key is typed any more. */
  hopEnded(run: Running): boolean;
  type(key: string): void;
  line: PromptLine;
  result(run: Running): Promise<CommandResult>;
}

/**
 * Ctrl-C, and the result once the prompt is back; Ctrl-\ when Ctrl-C was not enough. Throws
 * when neither brings the prompt back.
 */
export async function interruptRun(
  run: Running,
  graceMs: number,
  deps: InterruptDeps,
): Promise<CommandResult> {
  run.interrupted = true;
  // Ctrl-C twice: one that lands while the shell is still starting the program (between fork
  // and exec) is lost; the second reaches the program. Then Ctrl-\.
  const steps: [string, number][] = [
    ['\x03', graceMs / 2],
    ['\x03', graceMs / 2],
    ['\x1c', graceMs],
  ];
  for (const [i, [key, wait]] of steps.entries()) {
    // A key is typed only where the command runs: if its hop is gone, the command is over.
    if (deps.hopEnded(run)) return deps.result(run);
    deps.type(key);
    // The tty echoes ^C, the shell prints its prompt: something always comes back.
    if (i === 0) deps.line.owe();
    await waitForRun(run, wait);
    if (run.phase === 'done') return deps.result(run);
  }
  // Not a byte back to three keys: the gateway hangs, not (only) the command.
  const silent = deps.line.silentFor();
  if (silent !== null && silent >= SILENT_MS)
    throw gatewaySilent(
      silent,
      `Ctrl-C, Ctrl-C and Ctrl-\\ were typed for command ${run.id}`,
      'The keys reach the command if the gateway answers again: get_command waits for its end',
    );
  throw new GatewalkError(
    'interrupt_failed',
    `command ${run.id} ignored Ctrl-C and Ctrl-\\; the session stays busy`,
  );
}
