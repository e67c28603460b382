// Where a session stands, read off the rendered screen: the hop whose prompt is at the cursor.
// Checked before anything is typed (a host that logged out behind a menu leaves the menu's
// prompt there) and while a command runs (a command that ended the hop's shell leaves the
// prompt of the hop below). A lower hop's prompt is known exactly as it stood when the walk
// reached it: two hops' prompt regexes may both match a line, their prompts seldom read alike.
import { earliestMatch, matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { SecretContext } from '../profiles/secrets.js';
import type { Handler } from '../profiles/types.js';
import { answerHandler } from './handlers.js';

/** The cursor's line up to the cursor, and the few lines before it. */
function atCursor(session: NavSession): { text: string; line: string } {
  const text = session.pty.screen.beforeCursor();
  return { text, line: text.slice(text.lastIndexOf('\n') + 1) };
}

/**
 * A hop below `above` whose prompt stands at the cursor, -1 if none: first one whose recorded
 * prompt line is the cursor's line (and not `above`'s own), then one whose regex matches there
 * while `above`'s does not (a prompt that shows a clock, or the last exit status, reads
 * differently each time).
 */
export function lowerHopAtCursor(session: NavSession, above: number): number {
  const { text, line } = atCursor(session);
  const hops = session.profile.hops;
  const own = session.prompts[above];
  for (let i = above - 1; i >= 0; i--) {
    const prompt = hops[i]?.prompt;
    const seen = session.prompts[i];
    if (prompt && seen === line && seen !== own && matchesAtEnd(text, prompt)) return i;
  }
  const ownRegex = hops[above]?.prompt;
  if (ownRegex && matchesAtEnd(text, ownRegex)) return -1;
  for (let i = above - 1; i >= 0; i--) {
    const prompt = hops[i]?.prompt;
    if (prompt && matchesAtEnd(text, prompt)) return i;
  }
  return -1;
}

/** The hop, up to `upTo`, whose prompt stands at the cursor; -1 when none does. */
export function hopAtCursor(session: NavSession, upTo = session.at): number {
  const below = lowerHopAtCursor(session, upTo);
  if (below >= 0) return below;
  const { text } = atCursor(session);
  for (let i = upTo; i >= 0; i--) {
    const prompt = session.profile.hops[i]?.prompt;
    if (prompt && matchesAtEnd(text, prompt)) return i;
  }
  return -1;
}

export interface SettleOptions {
  timeoutMs: number;
  /** Answered on the way (the profile's `on:`: "Press any key to continue"). */
  handlers: Handler[];
  secrets?: SecretContext;
}

/**
 * Waits, event-driven, until some hop's prompt (up to where the session stands) is at the
 * cursor, answering the profile's handlers meanwhile; resolves with that hop, or -1 when none
 * showed within the time.
 */
export function settleAtPrompt(
  session: NavSession,
  options: SettleOptions,
): Promise<{ at: number; failure?: string }> {
  // At rest, a prompt at the cursor is where the session stands: the last hop's shell never
  // shows a lower hop's prompt.
  const now = hopAtCursor(session);
  if (now >= 0) return Promise.resolve({ at: now });
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    // eslint-disable-next-line prefer-const -- assigned after `done`, which may run first
    let off: (() => void) | undefined;
    const done = (at: number, failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off?.();
      resolve(failure === undefined ? { at } : { at, failure });
    };
    const timer = setTimeout(() => done(hopAtCursor(session)), options.timeoutMs);
    const step = (chunk: string) => {
      if (settled) return;
      text = (text + chunk).slice(-8192);
      const m = earliestMatch(
        text,
        options.handlers.map((h) => h.match),
      );
      if (m) {
        text = text.slice(m.end);
        const handler = options.handlers[m.which] as Handler;
        if (handler.action.kind === 'fail') return done(-1, handler.action.message);
        answerHandler(handler, {
          write: (data, secret) => session.pty.write(data, { secret }),
          // A secret read slowly is not typed once the wait is over.
          live: () => !settled,
          ...(options.secrets ? { secrets: options.secrets } : {}),
        });
        return;
      }
      const at = hopAtCursor(session);
      if (at >= 0) done(at);
    };
    // Text that arrived while nobody listened (a logout, "Press any key") comes first; when
    // someone else read it already, what stands on the cursor's row is the question (the rows
    // above hold the last command as typed, and its output).
    let backlog = true;
    off = session.pty.onText((chunk) => {
      if (backlog) text += chunk;
      else step(chunk);
    });
    backlog = false;
    step(text === '' ? session.pty.screen.beforeCursor(1) : '');
  });
}
