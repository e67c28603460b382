import type { Readable, Writable } from 'node:stream';

/** What a CLI command may touch of the outside world; only src/cli/index.ts builds the real one. */
export interface CliIo {
  out(line: string): void;
  /** Writes text to standard output as it is (no newline added). */
  write(text: string): void;
  err(line: string): void;
  /** Runs `handler` once when the process is asked to stop (SIGINT, SIGTERM). */
  onShutdown(handler: () => void | Promise<void>): void;
  /** Runs `handler` on SIGUSR2 (the lab uses it to freeze and thaw its proxy). */
  onToggle(handler: () => void): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** The user's terminal, when standard input is one (`gatewalk open` hands it over). */
  terminal?: UserTerminal;
  /** Standard input and output as byte streams, for a protocol (`gatewalk serve` speaks MCP). */
  protocol?: { input: Readable; output: Writable };
  /** Standard input as data for a remote command (`gatewalk run` forwards it, as ssh does). */
  stdin?: StdinSource;
  /** Asks the person for a secret (`send_secret: { ask }`) with echo off; absent: nobody to ask. */
  askSecret?: (prompt: string, signal: AbortSignal) => Promise<string>;
  /** The stream `err` writes to: a TTY gets colour and a spinner (src/cli/style.ts). */
  stderr?: { isTTY?: boolean; write(text: string): unknown };
}

/**
 * What standard input holds, told without reading it (fstat): `tty`, a person's terminal (not
 * forwarded: `gatewalk open` is for that); `none`, nothing to give (/dev/null, a closed or empty
 * file); `data`, a pipe, a socket or a file with bytes.
 */
export interface StdinSource {
  kind: 'tty' | 'none' | 'data';
  stream: Readable;
}

export interface UserTerminal {
  /** Raw keystrokes from the user. */
  onInput(listener: (data: Buffer) => void): () => void;
  /** Raw bytes to the user's screen. */
  output(data: Buffer | string): void;
  setRaw(raw: boolean): void;
  size(): { cols: number; rows: number };
  onResize(listener: () => void): () => void;
}
