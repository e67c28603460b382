// What the shell executor takes and returns, and how it recognises a program waiting for input.
import type { NavSession } from '../navigator/session.js';
import type { SecretContext } from '../profiles/secrets.js';

export type CommandStatus = 'done' | 'running' | 'awaiting_input';

export interface CommandResult {
  command_id: string;
  status: CommandStatus;
  /** The exit code; null while running, and for `shell: none` hops (no exit codes there). */
  exit_code: number | null;
  output: string;
  truncated: boolean;
  bytes: number;
  duration_ms: number;
  /** The working directory after the command (posix hops). */
  cwd?: string;
  /** Set when a profile handler with `fail:` matched the output: the command was interrupted. */
  failure?: string;
  /** The screen, when the command waits for input. */
  screen?: string;
  /**
   * The command ended the hop's shell (`exit`, `exec`, a `kubectl exec` session ending) or the
   * connection: where the session stands now. No later command runs until it is reopened.
   */
  left_hop?: HopLeft;
  /**
   * While running: milliseconds since the command last printed anything. A program reading its
   * input without a prompt (`read x`) cannot be told from a slow one; a long silence hints at it.
   */
  idle_ms?: number;
}

export interface HopLeft {
  /** The hop whose shell ended. */
  hop: string;
  /** The hop the session stands at now (its prompt is at the cursor); null: closed or unknown. */
  now_at: string | null;
  reason: string;
  exit_code?: number;
}

export interface ExecuteOptions {
  /** Return `running` after this long (default 30 s); the command goes on. */
  timeoutMs?: number;
  /** Characters of output a result shows at most (head and tail; default 64 KiB). */
  maxOutput?: number;
  /** When another command runs, wait this long for it to end instead of failing at once. */
  waitIfBusyMs?: number;
  /** Characters of this command's output kept in memory (default: the executor's budget). */
  memoryChars?: number;
  /** The command as listings, screens and transcripts show it, when what is typed wraps it. */
  display?: string;
  /** Who runs it (the MCP client's name): the transcript's command_start says so. */
  by?: string;
}

export interface ExecutorOptions {
  /** Folder for outputs that outgrow memory (0600 files). */
  spillDir?: string;
  /** Characters of one command's output kept in memory (default 1 Mi: the last 20 outputs are kept, so a session holds at most about 20 MiB of them). */
  memoryChars?: number;
  secrets?: SecretContext;
  /** Told when a caller's command starts and ends (transcripts record both). */
  onCommand?: (event: CommandEvent) => void;
  /** Told when the hop's shell is found gone (the session no longer stands where it was opened). */
  onHopLeft?: (left: HopLeft) => void;
}

export type CommandEvent =
  | { phase: 'start'; id: string; command: string; by?: string; hops: string[] }
  | { phase: 'end'; id: string; result: CommandResult };

/** A caller's command starts: as shown, who runs it, and the hops from the first to its own. */
export function startEvent(
  nav: Pick<NavSession, 'at' | 'profile'>,
  id: string,
  command: string,
  o: ExecuteOptions,
): CommandEvent {
  const hops = nav.profile.hops.slice(0, Math.max(0, nav.at + 1)).map((h) => h.name);
  return { phase: 'start', id, command: o.display ?? command, hops, ...(o.by ? { by: o.by } : {}) };
}

/** A command in `list_commands`: running or among the last ones kept. */
export interface CommandSummary {
  command_id: string;
  command: string;
  status: CommandStatus;
  exit_code: number | null;
  started_at: string;
  duration_ms: number;
}

// The last line of output when a program waits for an answer: passwords, confirmations,
// pagers, REPLs. Checked whenever output arrives: no quiet timer decides it.
export const INPUT_PROMPTS = [
  /(pass(word|phrase|code)|PIN)[^\n]*:\s*$/i,
  /\[(y\/n|Y\/n|y\/N|yes\/no)\]\s*[?:]?\s*$/i,
  /\((y|yes)\/(n|no)\)\s*[?:]?\s*$/i,
  /--More--(\s*\(\d+%\))?\s*$/,
  /\(END\)\s*$/,
  /^:\s*$/,
  /^(>>>|\.\.\.|In \[\d+\]:|irb\(\S+\)[>*]|mysql>|postgres=[#>]|\S+=>)\s*$/,
];

/** A question left open: a short line ending in ": " or "? " ("Name: ", "Continue? "). */
export function looksLikeOpenQuestion(lastLine: string): boolean {
  return /^[^\n]{1,160}[?:] $/.test(lastLine);
}

/** Whether the last line of output reads like a program waiting for an answer. */
export function looksLikeInputPrompt(lastLine: string): boolean {
  return lastLine.trim() !== '' && INPUT_PROMPTS.some((p) => p.test(lastLine));
}
