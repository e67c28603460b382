// Invariant: a command runs only at the hop the session says it stands at. The guard checks
// the rendered screen before anything is typed, notices when a command ends the hop's shell,
// and moves the session's position (and says so) when the hop is gone.
import { GatewalkError } from '../errors.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import type { NavSession } from '../navigator/session.js';
import type { Hop } from '../profiles/types.js';
import { redactSecrets } from './framing.js';
import { lowerHopAtCursor, settleAtPrompt } from './position.js';

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
  async atPrompt(timeoutMs = this.session.profile.timeoutMs): Promise<void> {
    const hops = this.session.profile.hops;
    if (this.session.at !== this.last) throw this.lostError();
    const { at, failure } = await settleAtPrompt(this.session, {
      // The prompt may take as long as a step of the profile; a call that gives itself less
      // (timeout_s) waits no longer than that (0: the caller only starts the command).
      timeoutMs: Math.min(timeoutMs || Infinity, this.session.profile.timeoutMs),
      handlers: [...this.session.profile.on, ...this.hop.on],
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
    });
    if (at === this.last) return;
    const screen = redactSecrets(
      this.session.pty.screen.text().split('\n').slice(-6).join('\n'),
      this.session.pty.secrets,
    );
    if (at < 0 && failure === undefined)
      // Something stands after the prompt (a background job's output, a line left open):
      // nothing is typed, nothing is concluded.
      throw new GatewalkError(
        'prompt_not_at_cursor',
        `the prompt of hop "${this.hop.name}" is not at the cursor, so nothing was typed: output came after it (a background job?) or the shell waits for more of a line. Press Enter (send_keys enter) for a fresh prompt, or interrupt. The screen ends with:\n${screen}`,
      );
    const why =
      failure ??
      `the prompt of hop "${hops[at]?.name}" is at the cursor instead (the host logged out, or its shell ended)`;
    this.leave(at, why);
    throw new GatewalkError(
      'hop_lost',
      `${this.lostText()}: ${why}. Nothing was typed. The screen ends with:\n${screen}`,
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
   * session ending, a host logging out as the line was typed)? Then a lower hop's prompt
   * stands at the cursor, as it read when the walk reached that hop. Returns that hop, or -1.
   */
  shellEnded(tail: string): number {
    if (this.session.at <= 0) return -1;
    const prompts = this.session.profile.hops
      .slice(0, this.session.at)
      .flatMap((h) => h.prompt ?? []);
    if (!this.worthALook(tail, prompts)) return -1;
    return lowerHopAtCursor(this.session, this.session.at);
  }

  /**
   * A shell that drops the rest of the typed line on a syntax error in `eval` (mksh), end
   * marker and all, says so and shows its prompt again: the command is over.
   */
  lineDropped(tail: string): boolean {
    const prompt = this.hop.prompt ?? '';
    if (!this.worthALook(tail, [prompt])) return false;
    // Its own complaint on the line before the prompt, and nothing else after it.
    const lines = tail.split('\n');
    if (!/^(?:E: )?\S*mksh: .*syntax error/.test(lines.at(-2) ?? '')) return false;
    return matchesAtEnd(this.session.pty.screen.beforeCursor(), prompt);
  }

  /**
   * Whether the screen is worth rendering to look for one of these prompts: the chunk was
   * parsed anyway (it had escape sequences, as most prompts do), or the stream's last line
   * already reads like one. Bulk plain output is never rendered for it.
   */
  private worthALook(tail: string, prompts: string[]): boolean {
    return !this.session.pty.screen.lastWriteHeld || prompts.some((p) => matchesAtEnd(tail, p));
  }

  /**
   * The command ended the hop's shell: its status is what kubectl printed last, if it did. Or
   * the hop was gone before the command started (a logout as the line was typed).
   */
  endedBelow(below: number, outputTail: string, started = true): HopLeft {
    const codes = [...outputTail.matchAll(/^command terminated with exit code (\d+)\s*$/gm)];
    const code = codes.at(-1)?.[1];
    const exitCode = code === undefined ? null : Number(code);
    const name = this.session.profile.hops[below]?.name ?? '?';
    if (!started)
      return this.leave(
        below,
        `the prompt of hop "${name}" came back before the command started at hop "${this.hop.name}" (the host logged out as it was typed?): it did not run there`,
      );
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
  closed(at: number): HopLeft {
    const exitCode = at === 0 ? this.session.pty.exitStatus : null;
    return exitCode === null
      ? this.leave(-1, 'the connection closed while the command ran', null, true)
      : this.leave(
          -1,
          `the command ended the shell of hop "${this.hop.name}" (exit code ${exitCode}): the connection closed`,
          exitCode,
        );
  }
}
