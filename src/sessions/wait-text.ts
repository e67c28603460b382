// Waiting for a pattern on a session's terminal for send_text / wait_for: event-driven, bounded,
// and without taking the text away from whoever reads it next (the shell executor waits for
// the prompt a command left in the same text).
import { GatewalkError } from '../errors.js';
import { earliestMatch } from '../navigator/matcher.js';
import type { Pty } from '../terminal/pty.js';

export interface WaitOutcome {
  /** The matched text, or null when the time ran out. */
  matched: string | null;
}

/** Compiles an agent's pattern with a clear error instead of a SyntaxError. */
export function checkPattern(pattern: string): void {
  try {
    new RegExp(pattern, 'm');
  } catch (err) {
    throw new GatewalkError(
      'pattern_invalid',
      `wait_for pattern /${pattern}/ does not compile: ${(err as Error).message}`,
    );
  }
}

const matchIn = (text: string, pattern: string): string | null => {
  const m = earliestMatch(text, [pattern]);
  return m ? text.slice(m.start, m.end) : null;
};

/**
 * Resolves with the first match of `pattern` or with `matched: null` after `timeoutMs`. With
 * `act` (a send), only text arriving after it counts; without, the screen as it is now and
 * text not yet read count too.
 */
export async function waitForText(
  pty: Pty,
  pattern: string,
  timeoutMs: number,
  act?: () => void,
): Promise<WaitOutcome> {
  checkPattern(pattern);
  if (!act) {
    const onScreen = matchIn(pty.screen.text(), pattern);
    if (onScreen !== null) return { matched: onScreen };
  }
  // With nobody else listening the text would have waited in the backlog: put it back there.
  const giveBack = pty.listenerCount('text') === 0;
  let old = '';
  let seen = '';
  let live = !act;
  return new Promise<WaitOutcome>((resolve) => {
    let settled = false;
    // eslint-disable-next-line prefer-const -- assigned after `finish`, which may run first
    let off: (() => void) | undefined;
    const finish = (matched: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pty.off('close', onClose);
      off?.();
      if (giveBack && old + seen) pty.unread(old + seen);
      resolve({ matched });
    };
    const onClose = () => finish(null);
    const timer = setTimeout(() => finish(null), timeoutMs);
    pty.once('close', onClose);
    off = pty.onText((text) => {
      if (!live) {
        old += text;
        return;
      }
      seen += text;
      const matched = matchIn(seen.slice(-65_536), pattern);
      if (matched !== null) finish(matched);
    });
    if (settled) off();
    live = true;
    act?.();
  });
}
