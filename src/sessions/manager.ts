// The sessions of one server instance: opening (walking a profile), lookup, switching, reopening,
// idle close and shutdown. Every session gets an unguessable id and a 0600 transcript.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import type { NavSession, OpenOptions } from '../navigator/session.js';
import type { WalkProgress } from '../navigator/walk.js';
import type { ProfileRegistry } from '../profiles/registry.js';
import type { Asker } from '../profiles/secrets.js';
import type { ParamValue, ResolvedProfile } from '../profiles/types.js';
import type { ManagerOptions, OpenRequest } from './manager-options.js';
import type { ManagedSession, SessionInfo, SessionSpec } from './session.js';
import { directProfile, looksDirect } from './direct.js';
import { loadedModules, sessionModules } from './modules.js';
import { freshCodes, loginSecretValues, watchTotp } from './reentry-keep.js';

export type { ManagerOptions, OpenRequest } from './manager-options.js';

/** Closed sessions kept listed (their transcripts on disk stay, whatever the count). */
export const CLOSED_HISTORY = 100;

export class SessionManager {
  private readonly sessions = new Map<string, ManagedSession>();
  /** Ids of closed sessions still listed, oldest first: the history is bounded. */
  private readonly closedOrder: string[] = [];
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private shuttingDown = false;

  constructor(private readonly options: ManagerOptions) {}

  /** Loads the modules sessions need ahead of the first open (they load at it otherwise). */
  async preload(): Promise<void> {
    await sessionModules();
  }

  private resolve(
    registry: ProfileRegistry,
    name: string,
    params: Record<string, ParamValue>,
  ): ResolvedProfile {
    if (registry.has(name)) return registry.resolve(name, params);
    if (this.options.allowDirect && looksDirect(name, this.options.connect?.sshConfigFile))
      return directProfile(name, this.options.connect?.sshConfigFile, this.options.directTimeoutMs);
    // The registry's error names the profiles there are (and a likely typo).
    return registry.resolve(name, params);
  }

  private openOptions(
    registry: ProfileRegistry,
    onProgress?: (p: WalkProgress) => void,
    ask?: Asker,
  ): OpenOptions {
    const secrets = this.options.connect?.secrets;
    return {
      ...this.options.connect,
      lookup: (n) => registry.resolveVia(n),
      ...(onProgress ? { onProgress } : {}),
      // The asker belongs to the call that walks (its client), not to the instance.
      ...(ask ? { secrets: { ...secrets, ask } } : {}),
    };
  }

  async open(request: OpenRequest): Promise<{ session: ManagedSession; nav: NavSession }> {
    const registry = await this.options.registry();
    if (this.shuttingDown)
      throw new GatewalkError('server_stopping', 'the server is shutting down: no new sessions');
    const spec: SessionSpec = {
      profile: request.profile,
      params: request.params ?? {},
      label: request.label ?? null,
    };
    const profile = this.resolve(registry, spec.profile, spec.params);
    const { nav: navigator, session: sessions, transcript: transcripts } = await sessionModules();
    // The writers' hook is process-wide: the instance opening a session gets its failures.
    if (this.options.onTranscriptFailure)
      transcripts.TranscriptWriter.onFailure = this.options.onTranscriptFailure;
    const id = `s_${randomBytes(12).toString('base64url')}`;
    // The transcript starts before the walk, so it records the walk (and a failed one) too.
    const transcript = transcripts.TranscriptWriter.create(
      join(this.options.transcriptDir, `${id}.jsonl`),
      {
        session_id: id,
        profile: profile.name,
        params: { ...profile.values },
        label: spec.label,
        client: this.options.clientLabel ?? null,
        hops: profile.hops.map((h) => h.name),
        cols: profile.terminal.cols,
        rows: profile.terminal.rows,
        started_at: new Date().toISOString(),
      },
      this.options.auditKey?.(),
    );
    transcript.state('opening');
    // Login secrets are never typed into the terminal, but a remote may still print one: known
    // up front, they are redacted wherever they show up.
    const loginSecrets = await loginSecretValues(profile, this.options.connect?.secrets);
    for (const value of loginSecrets) transcript.addSecret(value);
    let recording: (() => void) | undefined;
    let nav: NavSession;
    try {
      // One-time codes are single-use, across sessions too: a code this server typed in the
      // current step is not typed again; the walk starts in the next step.
      const seeds = await freshCodes(profile, this.options.connect?.secrets, request.onProgress);
      nav = await navigator.openSession(profile, {
        ...this.openOptions(registry, request.onProgress, request.ask),
        onPty: (pty) => {
          for (const value of loginSecrets) pty.secrets.add(value);
          recording = transcripts.recordPty(pty, transcript);
          watchTotp(pty, seeds);
        },
      });
    } catch (err) {
      recording?.();
      transcript.state('failed', err instanceof Error ? err.message : String(err));
      transcript.close();
      throw err;
    }
    if (this.shuttingDown) {
      recording?.();
      await navigator.closeSession(nav, { leave: false });
      transcript.state('failed', 'the server is shutting down');
      transcript.close();
      throw new GatewalkError('server_stopping', 'the server is shutting down: no new sessions');
    }
    transcript.note('walk', {
      hops: nav.walk.hops.map((h) => ({ name: h.name, ms: Math.round(h.ms) })),
      ms: Math.round(nav.walk.ms),
    });
    const session = new sessions.ManagedSession(
      id,
      spec,
      nav,
      transcript,
      () => this.armIdle(id),
      recording,
      this.options.connect?.secrets,
      this.options.spillDir ? join(this.options.spillDir, id) : undefined,
    );
    session.setState('ready');
    this.arrangeReentry(session, profile);
    this.sessions.set(id, session);
    this.armIdle(id);
    this.options.log?.(`opened ${id} (${profile.name}) in ${Math.round(nav.walk.ms)} ms`);
    return { session, nav };
  }

  /**
   * Re-entry after drops and logouts as the profile says (`reconnect`), else as the server says
   * (--reconnect); a profile's `reconnect: { on: [] }` keeps it off.
   */
  private arrangeReentry(session: ManagedSession, profile: ResolvedProfile): void {
    session.reentry.arrange(profile.reconnect ?? this.options.reconnect ?? null, async (p) => {
      await this.walkAgain(session, p);
    });
  }

  /** The session with this id; with no id (undefined or null), the only open one. */
  get(id?: string | null): ManagedSession {
    // An empty id is a mistake (a blank filled in), not "no id": it must not pick a session.
    if (id === '')
      throw new GatewalkError(
        'session_unknown',
        'session_id is empty: omit it (when one session is open) or pass one from list_sessions',
      );
    if (id !== undefined && id !== null) {
      const s = this.sessions.get(id);
      if (!s)
        throw new GatewalkError(
          'session_unknown',
          `no session ${id}: list_sessions shows the open ones; open_session starts a new one (only the last ${this.historySize()} closed sessions stay listed)`,
        );
      return s;
    }
    const open = [...this.sessions.values()].filter((s) => s.state !== 'closed');
    if (open.length === 1) return open[0] as ManagedSession;
    throw new GatewalkError(
      'session_id_required',
      open.length === 0
        ? 'no session is open: call open_session first'
        : `${open.length} sessions are open (${open.map((s) => s.id).join(', ')}): pass session_id`,
    );
  }

  all(): ManagedSession[] {
    return [...this.sessions.values()];
  }

  /** The session that ran a command (its id is enough: ids are unique across sessions). */
  sessionOfCommand(commandId: string, sessionId?: string | null): ManagedSession {
    if (sessionId !== undefined && sessionId !== null) return this.get(sessionId);
    const owner = this.all().find((s) =>
      s.shell.commands().some((c) => c.command_id === commandId),
    );
    if (!owner)
      throw new GatewalkError(
        'command_unknown',
        `no command ${commandId}: list_commands shows the running and recent ones (the last 20 per session are kept)`,
      );
    return owner;
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** Leaves the hops with their exits (unless broken or busy), disconnects, keeps the record. */
  async close(id: string | null | undefined, reason = 'closed by the client'): Promise<void> {
    const session = this.get(id);
    this.disarmIdle(session.id);
    if (session.state === 'closed') return;
    // A reopen on the way finishes first: it types into the same terminal.
    await session.reopening;
    // Closed by another call meanwhile.
    if ((session.state as string) === 'closed') return;
    const { nav: navigator, position } = loadedModules();
    const nav = session.nav;
    // A session whose last hop was lost still leaves the hops it stands in, read off the
    // screen again: a hop taken for left may be back.
    if (!nav.pty.closed && nav.at >= 0)
      nav.at = Math.max(nav.at, position.hopAtCursor(nav, nav.profile.hops.length - 1));
    const leave = session.shell.busy === null && !nav.pty.closed && nav.at >= 0;
    session.markClosed(reason);
    // Counted now: a close that fails below still ends the session, and it must not stay forever.
    this.remember(session.id);
    await navigator.closeSession(session.nav, { leave, secrets: this.options.connect?.secrets });
    session.dispose();
    this.options.log?.(`closed ${session.id}: ${reason}`);
  }

  private historySize(): number {
    return Math.max(0, this.options.closedHistory ?? CLOSED_HISTORY);
  }

  /**
   * A closed session stays listed (state, reason, transcript path), but only the last ones:
   * a long-lived server must not keep every session it ever had in memory.
   */
  private remember(id: string): void {
    this.closedOrder.push(id);
    while (this.closedOrder.length > this.historySize()) {
      const old = this.closedOrder.shift();
      if (old !== undefined && this.sessions.get(old)?.state === 'closed')
        this.sessions.delete(old);
    }
  }

  async switchTarget(
    id: string | null | undefined,
    profileName: string,
    params: Record<string, ParamValue> = {},
    onProgress?: (p: WalkProgress) => void,
    ask?: Asker,
  ): Promise<ManagedSession> {
    const registry = await this.options.registry();
    const session = this.get(id);
    if (session.shell.busy)
      throw new GatewalkError(
        'session_busy',
        `command ${session.shell.busy} still runs: wait for it (get_command) or interrupt it before switching`,
      );
    const target = this.resolve(registry, profileName, params);
    const opts = this.openOptions(registry, onProgress, ask);
    let nav: NavSession;
    try {
      nav = await loadedModules().nav.switchTarget(session.nav, target, opts);
    } catch (err) {
      // Hops may have been left already: the shell is somewhere else than the session says.
      if (!(err instanceof GatewalkError && err.code === 'no_shared_hops'))
        session.markBroken(
          `switch to ${target.name} failed after leaving hops: ${err instanceof Error ? err.message : String(err)}`,
        );
      throw err;
    }
    session.spec = { ...session.spec, profile: target.name, params };
    session.replaceNav(nav);
    this.arrangeReentry(session, target);
    session.transcript.note('switch', { profile: target.name, hop: target.hops.at(-1)?.name });
    return session;
  }

  /**
   * Walks a broken session's path again: from the hop it stands at when its connection is
   * alive (a command ended the last hop's shell), else from scratch on a new connection. One
   * reopen at a time; close_session waits for it.
   */
  async reopen(id: string | null | undefined, onProgress?: (p: WalkProgress) => void, ask?: Asker) {
    const session = this.get(id);
    const nav = await this.walkAgain(session, onProgress, ask);
    session.reentry.reopenedByHand();
    return { session, nav };
  }

  /** Walks the path again (reopen by hand, or a re-entry on its own). */
  private async walkAgain(
    session: ManagedSession,
    onProgress?: (p: WalkProgress) => void,
    ask?: Asker,
  ): Promise<NavSession> {
    const registry = await this.options.registry();
    if (session.state !== 'broken')
      throw new GatewalkError(
        'session_not_broken',
        `session ${session.id} is ${session.state}: reopen is for broken sessions`,
      );
    if (session.reopening)
      throw new GatewalkError(
        'session_busy',
        `session ${session.id} is being reopened already: wait for that call to return`,
      );
    const profile = this.resolve(registry, session.spec.profile, session.spec.params);
    const reopening = loadedModules().reopen.reopenSession(session, {
      profile,
      options: this.openOptions(registry, onProgress, ask),
      loginSecrets: async () =>
        loginSecretValues(
          this.resolve(await this.options.registry(), session.spec.profile, session.spec.params),
          this.options.connect?.secrets,
        ),
      gone: () => this.shuttingDown || session.state !== 'broken',
    });
    session.reopening = reopening.then(
      () => undefined,
      () => undefined,
    );
    try {
      const nav = await reopening;
      // The profile may have changed since it was opened (its file reloaded).
      this.arrangeReentry(session, profile);
      return nav;
    } finally {
      session.reopening = null;
    }
  }

  private armIdle(id: string): void {
    const ms = this.options.idleCloseMs ?? 0;
    if (ms <= 0) return;
    this.disarmIdle(id);
    const timer = setTimeout(() => {
      const s = this.sessions.get(id);
      // A call still running (a command longer than the idle time, a long wait_for) is activity:
      // closing now would cut it off. The call re-arms the timer when it ends.
      // Nor is a command still running, or a person holding the keyboard in the viewer.
      if (s && (s.callsInProgress > 0 || s.shell.busy !== null || s.controlledBy !== null)) {
        this.armIdle(id);
        return;
      }
      if (s && s.state !== 'closed')
        void this.close(id, `idle for ${Math.round(ms / 1000)} s`).catch(() => undefined);
    }, ms);
    timer.unref();
    this.idleTimers.set(id, timer);
  }

  private disarmIdle(id: string): void {
    const t = this.idleTimers.get(id);
    if (t) clearTimeout(t);
    this.idleTimers.delete(id);
  }

  /** Closes every session (shutdown): each leaves its hops if it can, within `timeoutMs`. */
  async closeAll(reason = 'server shutting down', timeoutMs = 5000): Promise<void> {
    this.shuttingDown = true;
    const open = [...this.sessions.values()].filter((s) => s.state !== 'closed');
    const closing = Promise.all(open.map((s) => this.close(s.id, reason).catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    for (const s of open) {
      s.nav.connection.close();
      s.dispose();
    }
  }
}
