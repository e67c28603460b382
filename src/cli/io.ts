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
