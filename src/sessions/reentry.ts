// Re-entry after idle logouts and drops (profile `reconnect:`): what lost a session (a drop, a
// gateway's logout, or the agent's own command), whether the next call walks it again, going
// back to the last working directory, and the one line that call's result starts with. The
// walking itself is reopen.ts's (through the manager); ManagedSession calls in here.
import { GatewalkError } from '../errors.js';
import type { NavSession } from '../navigator/session.js';
import type { WalkProgress } from '../navigator/walk.js';
import type { ReentryCause } from '../profiles/types.js';
import type { ShellExecutor } from '../shell/executor.js';
import type { CommandResult, HopLeft } from '../shell/types.js';
import type { Pty } from '../terminal/pty.js';
import type { TranscriptWriter } from './transcript.js';

/** What lost the session's last hop: only drops and logouts may be re-entered on their own. */
export interface Lost {
  cause: ReentryCause | 'command' | 'other';
  /** As a result's line says it: "the gateway logged out (idle)", "the connection dropped". */
  why: string;
}

/** One re-entry, as list_sessions and the transcript show it. */
export interface ReentryRecord {
  at: string;
  cause: ReentryCause;
  reason: string;
  /** The working directory gone back to, if one was known. */
  cwd?: string;
}

/** How the session should re-enter: the profile's `reconnect`, or the server's default. */
export interface ReconnectPolicy {
  on: ReentryCause[];
  max: number;
}

/**
 * The server's `--reconnect` value: causes, comma-separated (`drop,logout`, or `all`), then
 * optionally `:N` for `max` (default 2).
 */
export function parseReconnect(text: string): ReconnectPolicy {
  const m = /^([a-z,]+)(?::(\d{1,3}))?$/.exec(text.trim());
  const words = m?.[1]?.split(',').filter((w) => w !== '') ?? [];
  const known = words.every((w) => w === 'all' || w === 'drop' || w === 'logout');
  const on = words.flatMap((w): ReentryCause[] =>
    w === 'all' ? ['drop', 'logout'] : w === 'drop' || w === 'logout' ? [w] : [],
  );
  const max = m?.[2] === undefined ? 2 : Number(m[2]);
  if (!m || !known || on.length === 0 || max < 1 || max > 100)
    throw new GatewalkError(
      'param_invalid',
      `--reconnect takes drop, logout or both (drop,logout; or all), optionally with :N re-entries in a row at most (1-100, default 2), e.g. drop,logout:3; got ${JSON.stringify(text)}`,
    );
  return { on: [...new Set(on)], max };
}

/**
 * Texts shells and gateways print when an idle timer logs a session out. Matched on the last
 * lines of the screen when the hop is found gone, so "(idle)" is said only when one is there.
 */
export const LOGOUT_TEXTS: RegExp[] = [
  /timed out waiting for input: auto-logout/, // bash, busybox ash (TMOUT)
  /Client exceeded idle timeout/i, // Teleport
  /idle (?:more|longer) than \d+ ?(?:minutes?|mins?|m)\b/i, // JumpServer KoKo
  /\bidle[- ]timeout\b|\bauto-?logout\b|\bsession (?:has )?(?:timed out|expired)\b/i,
];

/** The screen's last lines: where a logout text stands when the hop is found gone. */
export function screenTail(pty: Pty, lines = 12): string {
  return pty.screen.text().split('\n').slice(-lines).join('\n');
}

/** Characters of text since the last command kept to find a logout text in. */
const HEARD_MAX = 4096;

function idle(tail: string): boolean {
  return LOGOUT_TEXTS.some((re) => re.test(tail));
}

/** The connection closed (or failed) with no command of the agent's ending it. */
export function lostByClose(tail: string, exitStatus: number | null): Lost {
  if (idle(tail)) return { cause: 'logout', why: 'the gateway logged out (idle)' };
  // The remote ended the session itself (an exit status came): a logout, not a network drop.
  if (exitStatus !== null)
    return { cause: 'logout', why: 'the gateway logged out (the connection ended)' };
  return { cause: 'drop', why: 'the connection dropped' };
}

/** The hop's prompt gave way to a lower hop's, the connection still open. */
export function lostByHopLeft(left: HopLeft, tail: string): Lost {
  // The agent's own command ended the shell (`exit`, `exec`, kubectl exec ending): not a logout.
  if (left.reason.startsWith('the command ended the shell'))
    return { cause: 'command', why: 'a command ended the shell' };
  if (idle(tail)) return { cause: 'logout', why: 'the gateway logged out (idle)' };
  return {
    cause: 'logout',
    why: `the gateway logged out (the prompt of hop "${left.now_at}" came back)`,
  };
}

/** A path as one word for `cd` in POSIX shells and fish alike. */
export function quoteWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The line a result starts with after a re-entry. */
export function reentryLine(lost: Lost, cwd: { path: string; ok: boolean } | null): string {
  const where =
    cwd === null ? '' : cwd.ok ? `; back in ${cwd.path}` : `; could not go back to ${cwd.path}`;
  return `re-entered after ${lost.why} — commands that were running are lost${where}`;
}

/** Walks the session's path again (the manager's reopen), reporting progress. */
export type Rewalk = (onProgress?: (p: WalkProgress) => void) => Promise<void>;

/** What re-entry reads and sets on its session. */
export interface ReentryHost {
  readonly id: string;
  state: string;
  reason: string | undefined;
  readonly nav: NavSession;
  readonly shell: ShellExecutor;
  readonly transcript: TranscriptWriter;
}

/** Re-entries a session keeps listed (the transcript has them all). */
const LISTED = 5;

/** One session's re-entry state. */
export class Reentry {
  /** What lost the last hop, while the session is broken; null when nothing did. */
  lost: Lost | null = null;
  /** Re-entry on its own (profile `reconnect` or the server's flag); null: never. */
  policy: ReconnectPolicy | null = null;
  /** How the manager walks the path again; set with `policy`. */
  rewalk: Rewalk | null = null;
  /** The last hop's working directory as the last command left it (its end mark's cwd). */
  lastCwd: string | undefined;
  /** Re-entries in a row with no command of the caller's completing in between. */
  private inARow = 0;
  private readonly records: ReentryRecord[] = [];
  /** Re-entries since the session opened (the list keeps the last few). */
  total = 0;
  /** The line the result of the call that re-entered starts with; taken by that call's tool. */
  private notice: string | null = null;
  /** gatewalk's own `cd` after a re-entry: not a command of the caller's. */
  private restoring = false;
  /**
   * What the remote showed since the last command ended: a menu that clears the screen after a
   * logout (KoKo) leaves the logout text in the stream only.
   */
  private heard = '';

  constructor(private readonly host: ReentryHost) {}

  /** Text the remote showed (the PTY's display stream). */
  hear(text: string): void {
    this.heard = (this.heard + text).slice(-HEARD_MAX);
  }

  /** Where a logout text would stand: the text since the last command, and the screen's end. */
  tail(pty: Pty): string {
    return `${this.heard}\n${screenTail(pty)}`;
  }

  /** A command's end (the executor's event): its cwd, and whether it completed. */
  commandEnded(r: CommandResult): void {
    // A command's own output (a grep for "auto-logout") is not the gateway's.
    this.heard = '';
    if (r.cwd) this.lastCwd = r.cwd;
    // A command of the caller's that completed where the session stands: the re-entries
    // before it worked, the count of those in a row starts again.
    if (r.status === 'done' && !r.left_hop && !this.restoring) this.inARow = 0;
    // The caller's own command ended the shell: whatever the close looked like, not a logout.
    if (r.left_hop?.reason.startsWith('the command ended the shell'))
      this.lost = { cause: 'command', why: 'a command ended the shell' };
  }

  /** The session is broken by a cause it re-enters after on its own. */
  applies(): boolean {
    const cause = this.lost?.cause;
    return (
      this.host.state === 'broken' &&
      this.rewalk !== null &&
      (cause === 'drop' || cause === 'logout') &&
      this.policy?.on.includes(cause) === true
    );
  }

  /** A call starts: a notice of an earlier call's re-entry is not this one's. */
  callStarts(): void {
    this.notice = null;
  }

  /** Whether this call re-entered already (it re-enters once at most). */
  get happened(): boolean {
    return this.notice !== null;
  }

  /** The line the result of this call starts with when it re-entered the session (once). */
  take(): string | null {
    const notice = this.notice;
    this.notice = null;
    return notice;
  }

  /** On when `policy` names a cause (an empty `on` keeps it off): `rewalk` walks the path again. */
  arrange(policy: ReconnectPolicy | null, rewalk: Rewalk): void {
    this.policy = policy && policy.on.length > 0 ? policy : null;
    this.rewalk = this.policy ? rewalk : null;
  }

  /** A reopen by hand: the re-entries in a row start again. */
  reopenedByHand(): void {
    this.inARow = 0;
  }

  list(): ReentryRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /**
   * Walks the path again after a drop or a logout, then goes back to the last working
   * directory. Past `max` re-entries in a row the session stays broken, with a clear error.
   */
  async run(onProgress?: (p: WalkProgress) => void): Promise<void> {
    const host = this.host;
    const lost = this.lost as Lost;
    const policy = this.policy as ReconnectPolicy;
    if (this.inARow >= policy.max) {
      const why = `${lost.why}, and it was re-entered ${policy.max} time${policy.max === 1 ? '' : 's'} in a row already with no command completing in between (reconnect.max ${policy.max})`;
      host.transcript.note('reentry', { refused: true, cause: lost.cause, reason: why });
      if (!host.reason?.includes('not re-entered again'))
        host.reason = `${host.reason ?? lost.why}; not re-entered again: ${why}`;
      throw new GatewalkError(
        'reentry_exhausted',
        `session ${host.id} was lost again: ${why}. Nothing was re-entered or run; the session stays broken. Check the gateway (an idle timer shorter than the pauses between calls?), then call reopen to walk the path by hand, or close_session`,
      );
    }
    this.inARow++;
    const cwd = this.lastCwd;
    try {
      await (this.rewalk as Rewalk)(onProgress);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      host.transcript.note('reentry', {
        failed: true,
        cause: lost.cause,
        reason: lost.why,
        error: message,
      });
      // Still broken, for the same cause: the next call tries again, within `max`.
      if (host.state === 'broken') this.lost = lost;
      throw new GatewalkError(
        'reentry_failed',
        `session ${host.id} was lost (${lost.why}) and walking its path again failed: ${message}. Nothing was run. Call again to retry (reconnect.max counts it), reopen, or close_session`,
      );
    }
    // The logout text that lost it is history now.
    this.heard = '';
    const back = cwd && host.shell.posix ? await this.goBack(cwd) : null;
    const record: ReentryRecord = {
      at: new Date().toISOString(),
      cause: lost.cause as ReentryCause,
      reason: lost.why,
      ...(back?.ok ? { cwd: back.path } : {}),
    };
    this.records.push(record);
    this.total++;
    if (this.records.length > LISTED) this.records.shift();
    this.notice = reentryLine(lost, back);
    host.transcript.note('reentry', {
      cause: record.cause,
      reason: record.reason,
      in_a_row: this.inARow,
      ...(back ? { cwd: back.path, cwd_restored: back.ok } : {}),
    });
  }

  /** `cd` to where the last command left the shell (gatewalk's own command, not the caller's). */
  private async goBack(path: string): Promise<{ path: string; ok: boolean }> {
    this.restoring = true;
    try {
      const r = await this.host.shell.execute(`cd ${quoteWord(path)}`, {
        timeoutMs: this.host.nav.profile.timeoutMs,
      });
      return { path, ok: r.status === 'done' && r.exit_code === 0 };
    } catch {
      return { path, ok: false };
    } finally {
      this.restoring = false;
    }
  }
}
