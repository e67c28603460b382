// The real-OpenSSH lab for one test file of test/openssh: started before its tests, its
// sessions and the lab closed after them, with a line of the timings the tests noted.
import { afterAll, beforeAll } from 'vitest';
import { EntrySession } from '../../lab/openssh/client.js';
import { startOpenSshLab, type EntryName, type OpenSshLab } from '../../lab/openssh/sshd.js';

/**
 * Starts a lab before the file's tests (handed to `started`) and closes it after them, with
 * every session `open` opened. Tests push to `timings` what they want printed at the end.
 */
export function useEntryLab(started: (lab: OpenSshLab) => void) {
  let lab: OpenSshLab | undefined;
  const sessions: EntrySession[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    lab = await startOpenSshLab();
    started(lab);
    timings.push(`lab start ${Math.round(performance.now() - t0)} ms`);
  });

  afterAll(async () => {
    for (const s of sessions) s.close();
    await lab?.close();
    console.info(`openssh lab timings: ${timings.join(', ')}`);
  });

  async function open(
    entry: EntryName,
    options: Parameters<typeof EntrySession.open>[2] = {},
  ): Promise<EntrySession> {
    const s = await EntrySession.open(lab as OpenSshLab, entry, options);
    sessions.push(s);
    return s;
  }

  return { open, timings };
}

/**
 * A prompt regex for the expect-style client, which reads the whole stream: blank rows a
 * full-screen program (tmux) draws below the prompt may come in the same read as the prompt, so
 * a final `$` also allows whitespace before the end.
 */
export const re = (source: string) =>
  new RegExp(
    source.endsWith('$') && !source.endsWith('\\$') ? `${source.slice(0, -1)}\\s*$` : source,
  );

/** Sends a line, waits for `pattern`, and returns what arrived meanwhile (stripped). */
export async function step(
  s: EntrySession,
  line: string,
  pattern: RegExp | string,
): Promise<string> {
  const from = s.text.length;
  s.sendLine(line);
  await s.expect(pattern);
  return s.text.slice(from);
}
