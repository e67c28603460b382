// Invariant: a command runs only at the hop the session says it stands at. The guard checks
// the rendered screen before anything is typed, notices when a command ends the hop's shell,
// and moves the session's position (and says so) when the hop is gone.
import { GatewalkError } from '../errors.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Hop } from '../profiles/types.js';
import { redactSecrets } from './framing.js';
import { hopAtCursor, settleAtPrompt } from './position.js';
import type { ExecutorOptions, HopLeft } from './types.js';

export class HopGuard {
  constructor(
    private readonly session: NavSession,
    private readonly options: Pick<ExecutorOptions, 'secrets' | 'onHopLeft'>,
  ) {}

  private get last(): number {
    return this.session.profile.hops.length - 1;
  }

  private get hop(): Hop {
    return this.session.profile.hops[this.last] as Hop;
  }

  /**
   * Before anything is typed: the session stands where it says, with the last hop's prompt at
   * the cursor and nothing after it (waited for, event-driven, after a command: its prompt
   * follows the end marker). A host that logged out behind a menu, or a hop's shell that ended,
   * leaves another prompt there: then nothing is typed and the session says where it is.
   */
  async atPrompt(): Promise<void> {
    const hops = this.session.profile.hops;
    if (this.session.at !== this.last) throw this.lostError();
    const { at, failure } = await settleAtPrompt(this.session, {
      timeoutMs: this.session.profile.timeoutMs,
      handlers: [...this.session.profile.on, ...this.hop.on],
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
    });
    if (at === this.last) return;
    const screen = this.session.pty.screen.text().split('\n').slice(-6).join('\n');
    const why =
      failure ??
      (at >= 0
        ? `the prompt of hop "${hops[at]?.name}" is at the cursor instead (the host logged out, or its shell ended)`
        : `the prompt of hop "${this.hop.name}" is not at the cursor, nor any other hop's`);
    this.leave(at, why);
    throw new GatewalkError(
      'hop_lost',
      `${this.lostText()}: ${why}. Nothing was typed. The screen ends with:\n${redactSecrets(screen, this.session.pty.secrets)}`,
    );
  }

  private lostText(): string {
    const hops = this.session.profile.hops;
    const where =
      this.session.at >= 0
        ? `stands at hop "${hops[this.session.at]?.name}" (${this.session.at + 1}/${hops.length})`
        : 'does not know which hop it stands at';
    return `the session ${where}, not at hop "${this.hop.name}"`;
  }

  lostError(): GatewalkError {
    return new GatewalkError(
      'hop_lost',
      `${this.lostText()}: commands run only at the hop the session was opened for; reopen it to walk there again`,
    );
  }

  /**
   * The hop's shell is gone: the session stands at hop `at` now (-1: unknown or closed). Told
   * to the session unless `quiet` (a connection that dropped is the session's own news).
   */
  leave(at: number, reason: string, exitCode: number | null = null, quiet = false): HopLeft {
    const hops = this.session.profile.hops;
    const left: HopLeft = {
      hop: this.hop.name,
      now_at: at >= 0 ? (hops[at]?.name ?? null) : null,
      reason,
      ...(exitCode === null ? {} : { exit_code: exitCode }),
    };
    this.session.at = at;
    if (!quiet) this.options.onHopLeft?.(left);
    return left;
  }

  /**
   * While a command runs: did it end the hop's shell (`exit 7`, `exec`, the `kubectl exec`
   * session ending)? Then the prompt of a hop below is at the cursor, and not one this hop's
   * prompt also matches (a nested shell of the same kind). Returns that hop, or -1.
   */
  shellEnded(lastLine: string): number {
    if (this.session.at <= 0) return -1;
    const prompts = this.session.profile.hops
      .slice(0, this.session.at)
      .flatMap((h) => h.prompt ?? []);
    if (!this.worthALook(lastLine, prompts)) return -1;
    const below = hopAtCursor(this.session, this.session.at - 1);
    if (below < 0) return -1;
    const own = matchesAtEnd(this.session.pty.screen.beforeCursor(), this.hop.prompt ?? '');
    return own ? -1 : below;
  }

  /**
   * A shell that drops the rest of the typed line on a syntax error in `eval` (mksh), end
   * marker and all, says so and shows its prompt again: the command is over.
   */
  lineDropped(pending: string, lastLine: string): boolean {
    const prompt = this.hop.prompt ?? '';
    if (!this.worthALook(lastLine, [prompt]) || !/syntax error/i.test(pending)) return false;
    return matchesAtEnd(this.session.pty.screen.beforeCursor(), prompt);
  }

  /**
   * Whether the screen is worth rendering to look for one of these prompts: the chunk was
   * parsed anyway (it had escape sequences, as most prompts do), or the stream's last line
   * already reads like one. Bulk plain output is never rendered for it.
   */
  private worthALook(lastLine: string, prompts: string[]): boolean {
    return !this.session.pty.screen.lastWriteHeld || prompts.some((p) => matchesAtEnd(lastLine, p));
  }

  /** The command ended the hop's shell: its status is what kubectl printed, if it did. */
  endedBelow(below: number, outputTail: string): HopLeft {
    const code = /command terminated with exit code (\d+)/.exec(outputTail)?.[1];
    const exitCode = code === undefined ? null : Number(code);
    const name = this.session.profile.hops[below]?.name ?? '?';
    return this.leave(
      below,
      `the command ended the shell of hop "${this.hop.name}"${exitCode === null ? '' : ` (exit code ${exitCode})`}: the prompt of hop "${name}" came back`,
      exitCode,
    );
  }

  /**
   * The connection closed: on the first hop, with an exit status, the shell ended it and the
   * status is the command's; without one, the connection dropped.
   */
  closed(): HopLeft {
    const exitCode = this.session.at === 0 ? this.session.pty.exitStatus : null;
    return exitCode === null
      ? this.leave(-1, 'the connection closed while the command ran', null, true)
      : this.leave(
          -1,
          `the command ended the shell of hop "${this.hop.name}" (exit code ${exitCode}): the connection closed`,
          exitCode,
        );
  }
}
