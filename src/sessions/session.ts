// One session as the server keeps it: the walked path, its shell, its transcript, its state.
import { GatewalkError } from '../errors.js';
import type { NavSession } from '../navigator/session.js';
import type { SecretContext } from '../profiles/secrets.js';
import { ShellExecutor } from '../shell/executor.js';
import type { CommandEvent, HopLeft } from '../shell/types.js';
import { ViewerControl, type Notices } from './control.js';
import { recordPty, type TranscriptWriter } from './transcript.js';
import type { WalkProgress } from '../navigator/walk.js';
import { lostByClose, lostByHopLeft, Reentry } from './reentry.js';
import type { SessionInfo, SessionSpec, SessionState } from './session-info.js';
import { IdleKeepalive } from './reentry-keep.js';

export type { SessionInfo, SessionSpec, SessionState } from './session-info.js';

export class ManagedSession {
  state: SessionState = 'ready';
  reason: string | undefined;
  shell: ShellExecutor;
  readonly openedAt = new Date();
  lastActivity = new Date();
  /** Calls on one session run one after another: this is the tail of that line. */
  private queue: Promise<unknown> = Promise.resolve();
  private inLine = 0;
  private inProgress = 0;
  /** Broken by what a call found out and reports itself (a hop left): its result stands. */
  private explained = false;
  /** A reopen on the way (close waits for it). */
  reopening: Promise<void> | null = null;
  private detach: () => void = () => {};
  /** Re-entry after drops and logouts (`reconnect`): what lost the hop, and what was done. */
  readonly reentry: Reentry = new Reentry(this);
  private keepalive: IdleKeepalive | null = null;

  constructor(
    readonly id: string,
    public spec: SessionSpec,
    public nav: NavSession,
    readonly transcript: TranscriptWriter,
    private readonly onActivity: () => void,
    /** Stops a recording of this PTY that began before the walk, if one did. */
    recording?: () => void,
    /** Where the hop handlers' `send_secret` answers come from (as for the walk). */
    private readonly secrets?: SecretContext,
    /** Where outputs too big for memory are spilled (0600 files). */
    private readonly spillDir?: string,
  ) {
    this.control = new ViewerControl(id, transcript, () => this.nav.pty);
    this.shell = this.executorFor(nav);
    this.attach(recording);
    if (nav.profile.idleKeepalive) this.keepalive = new IdleKeepalive(this);
  }

  get label(): string | null {
    return this.spec.label;
  }

  private executorFor(nav: NavSession): ShellExecutor {
    return new ShellExecutor(nav, {
      ...(this.secrets ? { secrets: this.secrets } : {}),
      ...(this.spillDir ? { spillDir: this.spillDir } : {}),
      onCommand: (e: CommandEvent) => {
        if (e.phase === 'start') return this.transcript.commandStart(e.id, e.command, e);
        this.transcript.commandEnd(e.id, e.result);
        this.reentry.commandEnded(e.result);
      },
      onHopLeft: (left) => this.hopLeft(left),
    });
  }

  /**
   * The last hop's shell is gone (a command ended it, a host logged out behind its menu, or
   * the connection closed with it): no command may run until the session is reopened, and the
   * result that found it out is still the caller's.
   */
  private hopLeft(left: HopLeft): void {
    if (this.state === 'closed') return;
    const where = left.now_at
      ? `the session now stands at hop "${left.now_at}"`
      : 'the session is no longer at any known hop';
    this.explained = true;
    this.reentry.lost = lostByHopLeft(left, this.reentry.tail(this.nav.pty));
    this.reason = `${left.reason}; ${where}`;
    if (this.state !== 'broken') this.setState('broken', this.reason);
    else this.transcript.state('broken', this.reason);
  }

  /** Records the PTY in the transcript, and notices when the connection goes away. */
  private attach(recording?: () => void): void {
    const pty = this.nav.pty;
    const stopRecording = recording ?? recordPty(pty, this.transcript);
    const onClose = () => {
      if (this.state !== 'closed' && this.state !== 'broken') {
        const lost =
          this.reentry.lost?.cause === 'command'
            ? this.reentry.lost
            : lostByClose(this.reentry.tail(pty), pty.exitStatus);
        this.reentry.lost = lost;
        this.markBroken(
          lost.cause === 'logout'
            ? `the SSH connection closed: ${lost.why}`
            : 'the SSH connection closed (dropped by the network or the gateway)',
        );
      }
      this.nav.at = -1;
    };
    const onDisplay = (text: string) => this.reentry.hear(text);
    pty.on('display', onDisplay);
    const onError = (err: Error) => {
      if (this.state === 'closed' || this.state === 'broken') return;
      this.reentry.lost = { cause: 'drop', why: 'the connection dropped' };
      this.markBroken(`the SSH connection failed: ${err.message}`);
    };
    pty.once('close', onClose);
    this.nav.connection.client.on('error', onError);
    this.detach = () => {
      stopRecording();
      pty.off('close', onClose);
      pty.off('display', onDisplay);
      this.nav.connection.client.off('error', onError);
    };
  }

  /** After a switch or a reopen: the same session on another walked path. */
  replaceNav(nav: NavSession): void {
    this.detach();
    this.nav = nav;
    this.shell = this.executorFor(nav);
    this.attach();
    this.explained = false;
    this.reentry.lost = null;
    this.setState('ready');
  }

  /** After the lost hops were walked again on the same connection. */
  rewalked(nav: NavSession): void {
    this.nav = nav;
    this.shell.dispose();
    this.shell = this.executorFor(nav);
    this.explained = false;
    this.reentry.lost = null;
    this.setState('ready');
  }

  markBroken(reason: string): void {
    if (this.state === 'closed' || this.state === 'broken') return;
    // Broken by something else than the connection or the hop (a switch that failed midway).
    this.reentry.lost ??= { cause: 'other', why: reason };
    this.reason = reason;
    this.setState('broken', reason);
  }

  setState(state: SessionState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.transcript.state(state, reason);
  }

  /** Throws the error every call on a session that cannot take calls gets. */
  assertUsable(): void {
    if (this.state === 'closed')
      throw new GatewalkError(
        'session_closed',
        `session ${this.id} is closed${this.reason ? ` (${this.reason})` : ''}: open a new one with open_session`,
      );
    if (this.state === 'broken')
      throw new GatewalkError(
        'session_broken',
        this.reentry.applies()
          ? `session ${this.id} is broken: ${this.reason ?? 'the connection is gone'}. The next execute_command re-enters it (reconnect is on; commands that were running are lost), or call reopen`
          : `session ${this.id} is broken: ${this.reason ?? 'the connection is gone'}. Nothing was replayed; call reopen to walk the path again (shell state such as cd and variables is lost), or close_session`,
      );
  }

  /**
   * Calls in that line now, running or waiting their turn. execute_command reads it: without
   * wait_if_busy_s it must refuse a busy session at once, not queue behind the call in progress.
   */
  get callsInLine(): number {
    return this.inLine;
  }

  /**
   * Runs `fn` after the calls before it on this session; marks activity. With `maxWaitMs`, a
   * call still waiting for its turn by then gives up (session_busy) and never runs.
   */
  serial<T>(
    fn: () => Promise<T>,
    maxWaitMs?: number,
    signal?: AbortSignal,
    /** Progress of a re-entry this call makes (reconnect on), if it makes one. */
    onProgress?: (p: WalkProgress) => void,
  ): Promise<T> {
    // Nothing in line: the call starts at once, with nothing to give up on (and no abort
    // listener to add and take off again, which costs more than a fast command).
    const idle = this.inLine === 0;
    this.inLine++;
    let state: 'waiting' | 'started' | 'gave_up' = 'waiting';
    // Counted out before the call's result is handed back, so a client's next call never
    // finds its own finished call still in the line.
    const task = async () => {
      if (state === 'gave_up') return undefined as T;
      state = 'started';
      try {
        return await this.guarded(fn, onProgress ?? null);
      } finally {
        this.inLine--;
      }
    };
    const run = this.queue.then(task, task);
    // The line's tail holds nothing of the result: an idle session must not keep its last output.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    if (idle || (maxWaitMs === undefined && !signal)) return run;
    return new Promise<T>((resolve, reject) => {
      // Still waiting for its turn when the time is up or the client cancelled: it never runs.
      const giveUp = (why: string) => {
        if (state !== 'waiting') return;
        state = 'gave_up';
        this.inLine--;
        reject(new GatewalkError('session_busy', why));
      };
      const timer =
        maxWaitMs === undefined
          ? undefined
          : setTimeout(
              () =>
                giveUp(
                  `session ${this.id} was still busy after ${maxWaitMs / 1000} s: try again, or interrupt what runs`,
                ),
              maxWaitMs,
            );
      const onAbort = () => giveUp('cancelled by the client before it started');
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      run.then(
        (v) => {
          settle();
          if (state !== 'gave_up') resolve(v);
        },
        (err: unknown) => {
          settle();
          if (state !== 'gave_up') reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** Runs `fn` now, beside the queue (reads and interrupts must not wait behind a command). */
  async now<T>(fn: () => Promise<T>): Promise<T> {
    return this.guarded(fn);
  }

  /** Calls running now, in the line or beside it: a session with one is not idle. */
  get callsInProgress(): number {
    return this.inProgress;
  }

  /** A person typing in the viewer holds the keyboard; agent calls wait meanwhile. */
  private readonly control: ViewerControl;

  get controlledBy(): string | null {
    return this.control.by;
  }

  /** A person takes the keyboard: agent calls wait (up to 30 s each) until it is handed back. */
  takeControl(by: string): void {
    this.control.take(by);
  }

  /** Hands the keyboard back: the agent's next result starts with what the person did. */
  releaseControl(): void {
    this.control.release();
  }

  /**
   * What the next result starts with, each once: the account of a person's turn at the
   * keyboard, then (`reentry`, for calls that may re-enter) the line saying the session was
   * walked again. A call that may not have made the re-entry leaves its line to the one that did.
   */
  readonly notices = {
    take: (options: { reentry?: boolean } = {}): Notices => {
      const person = this.control.takeNotice();
      const reentered = options.reentry === false ? null : this.reentry.take();
      return {
        lines: [...(person?.lines ?? []), ...(reentered ? [reentered] : [])],
        fields: { ...person?.fields, ...(reentered ? { reentered } : {}) },
      };
    },
  };

  /**
   * Runs a call on a usable session. A call in the line (`reenter` not false) first re-enters a
   * session lost to a drop or a logout, when `reconnect` says so; and when the call finds the
   * last hop gone before it typed anything (hop_lost: a logout nobody had seen), it re-enters
   * and runs then: what it would have typed was never typed, so nothing runs twice.
   */
  private async guarded<T>(
    fn: () => Promise<T>,
    reenter: ((p: WalkProgress) => void) | null | false = false,
  ): Promise<T> {
    const progress = reenter === false ? undefined : (reenter ?? undefined);
    if (reenter !== false) {
      this.reentry.callStarts();
      await this.control.wait();
      if (this.reentry.applies()) await this.reentry.run(progress);
    }
    this.assertUsable();
    await this.control.wait();
    this.assertUsable();
    try {
      return await this.running(fn);
    } catch (err) {
      const lost = err instanceof GatewalkError && err.code === 'hop_lost';
      if (reenter === false || !lost || this.reentry.happened || !this.reentry.applies()) throw err;
      await this.reentry.run(progress);
      this.assertUsable();
      return this.running(fn);
    }
  }

  private async running<T>(fn: () => Promise<T>): Promise<T> {
    this.inProgress++;
    this.touch();
    try {
      const result = await fn();
      // The connection dropped while the call ran: what it returns (a command "done" with no
      // exit code, cut short) is not a result; say the session is broken and how to go on.
      // Unless the call itself found out and says so (a command that ended its hop's shell).
      if (this.state === 'broken' && !this.explained) this.assertUsable();
      return result;
    } finally {
      this.inProgress--;
      this.touch();
    }
  }

  touch(): void {
    this.lastActivity = new Date();
    this.onActivity();
    this.keepalive?.arm();
  }

  info(): SessionInfo {
    const busy = this.state === 'ready' && this.shell.busy !== null;
    return {
      session_id: this.id,
      profile: this.spec.profile,
      label: this.spec.label,
      state: busy ? 'busy' : this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      hop: this.nav.profile.hops[this.nav.at]?.name ?? '',
      opened_at: this.openedAt.toISOString(),
      last_activity: this.lastActivity.toISOString(),
      ...(this.reentry.total
        ? { reentries: this.reentry.list(), reentry_count: this.reentry.total }
        : {}),
    };
  }

  /**
   * Closed from now on (no new calls; the disconnect to come is not a break), but written to the
   * transcript by dispose(), after the exits typed while leaving the hops: a transcript ends
   * with the state its session ended in, not with traffic after a "closed".
   */
  markClosed(reason: string): void {
    this.state = 'closed';
    this.reason = reason;
  }

  dispose(): void {
    this.keepalive?.stop();
    this.shell.dispose();
    this.detach();
    if (this.state === 'closed') this.transcript.state('closed', this.reason);
    this.transcript.close();
    // A closed session stays listed, with its transcript; its terminal goes.
    if (this.state === 'closed') this.nav.pty.screen.dispose();
  }
}
