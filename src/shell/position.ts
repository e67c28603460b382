// Where a session stands, read off the rendered screen: the hop whose prompt is at the cursor.
// Checked before anything is typed (a host that logged out behind a menu leaves the menu's
// prompt there) and while a command runs (a command that ended the hop's shell leaves the
// prompt of the hop below). A lower hop's prompt is known exactly as it stood when the walk
// reached it: two hops' prompt regexes may both match a line, their prompts seldom read alike.
import { GatewalkError } from '../errors.js';
import { earliestMatch, matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { SecretContext } from '../profiles/secrets.js';
import type { Handler } from '../profiles/types.js';
import type { Pty, SentData } from '../terminal/pty.js';
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

/**
 * What stands on the shell's input line besides the prompt: `clean`; `typed`, keys typed at the
 * prompt without Enter (send_text with enter: false, send_keys, a person in the viewer); or
 * `typeahead`, keys typed without Enter while a command ran, which the command may have read
 * (`q` to a pager) or left for the shell.
 */
export type LineState = 'clean' | 'typed' | 'typeahead';

// The last key leaves the line empty: Enter submits it, Ctrl-U discards it. Not Ctrl-C: it
// flushes what the shell had not read yet, and what arrived after the flush is read into the
// next line ("touch x" then Ctrl-C can leave "ouch x"); a line dirty before stays dirty.
// eslint-disable-next-line no-control-regex -- control characters are the point
const ENDS_LINE = /[\r\n\x15]$/;

/**
 * Kills the line being typed: readline's unix-line-discard (bash in emacs and vi-insert mode),
 * zsh, fish, busybox ash and mksh bind it; under dash the tty's canonical mode kills the line.
 */
export const KILL_LINE = '\x15';

/** A wait on the remote this long with not a byte back is a gateway that stopped answering. */
export const SILENT_MS = 2000;

/**
 * Tracks, per session, whether keys were left on the shell's input line, and when the remote
 * last sent anything (to tell a hung gateway from a slow command). Only keys somebody typed
 * count: the terminal's answers to queries and the walk's own lines are not input to a command.
 */
export class PromptLine {
  state: LineState = 'clean';
  /** performance.now() when the remote side last sent a byte. */
  lastHeard = performance.now();
  /** Since when the remote owes an answer: a line's echo, or the prompt after an end mark. */
  private owedSince: number | null = null;
  private readonly off: () => void;

  constructor(
    private readonly pty: Pty,
    /** A command is running: keys typed now go to it first. */
    private readonly busy: () => boolean,
  ) {
    const onSent = (s: SentData) => {
      // A person's keys (the viewer) are input like the agent's; anything ending the line
      // (gatewalk's own lines) leaves it clean whoever typed it.
      if (s.by) this.typed(s.data);
      else if (ENDS_LINE.test(s.data)) this.state = 'clean';
    };
    const onRaw = (chunk: Buffer) => {
      this.lastHeard = performance.now();
      // A line break after a line the caller entered: the shell has moved past that line (its
      // echo and Enter); a chunk without one may be a late prompt of the command before.
      if (this.enteredAt !== null && chunk.includes(0x0a)) this.enteredAt = null;
    };
    pty.on('sent', onSent);
    pty.on('raw', onRaw);
    this.off = () => {
      pty.off('sent', onSent);
      pty.off('raw', onRaw);
    };
  }

  /** Keys the caller typed (send_text, send_keys). */
  typed(data: string): void {
    // Ctrl-C last leaves the line as it was before it: clean stays clean, dirty stays dirty.
    // eslint-disable-next-line no-control-regex -- control characters are the point
    const keys = data.replace(/\x03+$/, '');
    if (keys === '') return;
    // Ctrl-D last, to a command, is the end of its input (write_file's `cat`): read by it.
    if (this.busy() && keys.endsWith('\x04')) return;
    if (ENDS_LINE.test(keys)) this.state = 'clean';
    else if (this.state !== 'typed') this.state = this.busy() ? 'typeahead' : 'typed';
    // A line entered at the prompt: what the shell makes of it (output, a continuation prompt)
    // is owed before the screen says anything about the prompt.
    if (!this.busy() && /[\r\n]$/.test(keys)) this.enteredAt = performance.now();
  }

  /** When the caller last entered a line at the prompt (null: answered since). */
  private enteredAt: number | null = null;

  /**
   * Resolves once the remote has sent a line break since the caller last entered a line at the
   * prompt (at once if it has, or if none was), or after `ms`: the screen then shows what that
   * line led to, not the prompt it was typed at. Listeners on 'raw' run before the chunk is parsed; the promise
   * settles after, in a microtask.
   */
  answered(ms: number): Promise<void> {
    if (this.enteredAt === null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pty.off('raw', check);
        resolve();
      };
      // onRaw (registered first) has seen the chunk by the time this runs.
      const check = () => {
        if (this.enteredAt === null) done();
      };
      const timer = setTimeout(done, ms);
      this.pty.on('raw', check);
    });
  }

  /** Something was sent that the remote must answer (a line echoes, an end mark's prompt). */
  owe(): void {
    this.owedSince = performance.now();
  }

  /** How long the remote has owed an answer and sent nothing at all; null if it answered. */
  silentFor(): number | null {
    if (this.owedSince === null || this.lastHeard > this.owedSince) return null;
    return performance.now() - this.owedSince;
  }

  /**
   * Clears keys left on the line with Ctrl-U before gatewalk types a line (else the line would
   * be appended to them and never end); a clean line gets nothing. Keys typed at the prompt are
   * known to be there; keys typed while a command ran are there only if the command did not
   * read them: the prompt alone at the cursor says it did.
   */
  async clear(session: NavSession, timeoutMs?: number): Promise<void> {
    if (this.state === 'clean') return;
    if (this.state === 'typeahead') {
      const { at } = await settleAtPrompt(session, {
        timeoutMs: Math.min(500, timeoutMs || 500),
        handlers: [],
      });
      if (at === session.at) {
        this.state = 'clean';
        return;
      }
    }
    this.pty.write(KILL_LINE);
    this.owe();
  }

  dispose(): void {
    this.off();
  }
}

/** A gateway that keeps the connection open and sends nothing back (a hung bastion). */
export function gatewaySilent(ms: number, what: string, next?: string): GatewalkError {
  const seconds = ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
  return new GatewalkError(
    'gateway_silent',
    `the gateway stopped answering for ${seconds} s: nothing came back after ${what}, though the SSH connection is still open (a hung bastion or network). ${next ?? 'Wait a moment and retry'}; if it stays silent, close_session and open the session again (once the keepalives fail, the session is marked broken and reopen connects anew)`,
  );
}
