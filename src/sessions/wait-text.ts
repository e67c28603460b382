// Waiting for a pattern on a session's terminal for send_text / wait_for: event-driven, bounded,
// and without taking the text away from whoever reads it next (the shell executor waits for
// the prompt a command left in the same text). The pattern is the agent's: it runs on the
// linear-time engine of util/agent-regex.ts, never on JS RegExp (issue 13).
import { compileAgentRegex, type AgentRegex } from '../util/agent-regex.js';
import type { Pty } from '../terminal/pty.js';

export interface WaitOutcome {
  /** The matched text, or null when the time ran out. */
  matched: string | null;
}

/** Compiles an agent's pattern, refusing with a GatewalkError what cannot run (no SyntaxError). */
export function checkPattern(pattern: string, what = 'wait_for pattern'): AgentRegex {
  return compileAgentRegex(pattern, what);
}

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
  const re = checkPattern(pattern);
  if (!act) {
    const onScreen = re.find(pty.screen.text());
    if (onScreen !== null) return { matched: onScreen.text };
  }
  // With nobody else listening the text would have waited in the backlog: put it back there.
  const giveBack = pty.listenerCount('text') === 0;
  let old = '';
  let seen = '';
  let live = !act;
  return new Promise<WaitOutcome>((resolve) => {
    let settled = false;
    let scan: NodeJS.Immediate | undefined;
    // eslint-disable-next-line prefer-const -- assigned after `finish`, which may run first
    let off: (() => void) | undefined;
    const finish = (matched: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (scan) clearImmediate(scan);
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
      // Nobody gets the text back: only what one search looks at need be kept.
      if (!giveBack && seen.length > 2 * re.window) seen = seen.slice(-re.window);
      // One search per turn of the event loop, over everything that arrived in it: a flood of
      // small chunks costs one bounded search each turn, not one per chunk.
      scan ??= setImmediate(() => {
        scan = undefined;
        if (settled) return;
        const m = re.find(seen.length > re.window ? seen.slice(-re.window) : seen);
        if (m !== null) finish(m.text);
      });
    });
    if (settled) off();
    live = true;
    act?.();
  });
}
