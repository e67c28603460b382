import { earliestMatch } from '../navigator/matcher.js';
import type { Pty } from '../terminal/pty.js';

/**
 * Resolves once the prompt shows in the text that arrived (event-driven), or after `timeoutMs`
 * at most; what came after the prompt is given back for the next reader.
 */
export function waitForPrompt(pty: Pty, prompt: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let text = '';
    let settled = false;
    // eslint-disable-next-line prefer-const -- assigned after `done`, which may run first
    let off: (() => void) | undefined;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off?.();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    // The backlog is delivered at once, before onText returns: `off` may come after `done`.
    off = pty.onText((chunk) => {
      if (settled) return;
      text += chunk;
      const m = earliestMatch(text, [prompt]);
      if (m) {
        done();
        pty.unread(text.slice(m.end));
      }
    });
    if (settled) off();
  });
}
