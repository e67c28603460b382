// A file crossing the terminal: kept out of the transcript, and its secrets masked in results.
import type { Pty } from '../terminal/pty.js';
import { redactSecrets } from './framing.js';

/**
 * Keeps a file's content, which crosses the terminal base64-encoded, out of the session's
 * transcript (issue 13): what the terminal shows meanwhile is not recorded, the data typed is
 * not recorded, and a placeholder says what moved.
 */
export interface FileRecord {
  /** Runs `fn` with what the terminal shows kept out of the transcript. */
  hidden<T>(fn: () => Promise<T>): Promise<T>;
  /** Types data for the remote side without recording it. */
  type(data: string): void;
  /** Records what moved instead: `[read_file /path: N bytes]`. */
  placeholder(text: string): void;
}

/**
 * A FileRecord for a session's PTY and transcript. The transcript records the PTY's `display`
 * stream (sessions/transcript.ts recordPty), which the PTY withholds while a file moves.
 */
export function fileRecord(pty: Pty, transcript: { received(data: string): void }): FileRecord {
  return {
    hidden: (fn) => pty.quietly(fn),
    type: (data) => pty.writeQuiet(data),
    placeholder(text) {
      transcript.received(`${text}\r\n`);
    },
  };
}

/**
 * A file's content with the session's secret values masked (the same redaction as command
 * output), byte for byte, so binary files are covered too. `masked` says whether any was.
 */
export function redactFile(
  content: Buffer,
  secrets: Set<string>,
): { content: Buffer; masked: boolean } {
  if (secrets.size === 0) return { content, masked: false };
  const asBytes = new Set([...secrets].map((s) => Buffer.from(s, 'utf8').toString('latin1')));
  const text = content.toString('latin1');
  const redacted = redactSecrets(text, asBytes);
  return redacted === text
    ? { content, masked: false }
    : { content: Buffer.from(redacted, 'latin1'), masked: true };
}
