import type { ClientChannel } from 'ssh2';
import { GatewalkError } from '../errors.js';
import type { SecretContext } from '../profiles/secrets.js';
import type { Hop, ResolvedProfile } from '../profiles/types.js';
import { connectProfile, type SshConnection } from '../ssh/connect.js';
import { Pty } from '../terminal/pty.js';
import { callbackWithin } from '../util/timeout.js';
import { earliestMatch } from './matcher.js';
import { prepareWalk, walk, type WalkOptions, type WalkResult } from './walk.js';

export interface OpenOptions extends WalkOptions {
  /** Resolves `via` profiles. */
  lookup: (name: string) => ResolvedProfile;
  secrets?: SecretContext;
  knownHostsFile?: string;
  sshConfigFile?: string;
  /** The ssh-agent socket for `agent: true` profiles (default: SSH_AUTH_SOCK). */
  agentSocket?: string;
  /** Keepalive for profiles that set none. */
  defaultKeepaliveMs?: number;
  /** Called with the PTY before the walk starts (a transcript records the walk too). */
  onPty?: (pty: Pty) => void;
}

/** A walked path: one SSH connection, one PTY, standing at the last hop's prompt. */
export interface NavSession {
  profile: ResolvedProfile;
  connection: SshConnection;
  pty: Pty;
  walk: WalkResult;
}

function openShell(connection: SshConnection, profile: ResolvedProfile): Promise<ClientChannel> {
  const { term, cols, rows } = profile.terminal;
  const timeoutMs = profile.connect.timeoutMs ?? 15_000;
  return callbackWithin<ClientChannel>(
    (done) => connection.client.shell({ term, cols, rows }, done),
    timeoutMs,
    () =>
      new GatewalkError('connect_timeout', `${connection.target}: no shell within ${timeoutMs} ms`),
    (err) =>
      new GatewalkError(
        'shell_refused',
        `${connection.target}: the server refused a shell: ${err.message}`,
      ),
  );
}

/** Connects, opens the PTY and walks every hop to the last prompt. */
export async function openSession(
  profile: ResolvedProfile,
  options: OpenOptions,
): Promise<NavSession> {
  const prepared = await prepareWalk(profile, options.secrets);
  const connection = await connectProfile(profile, {
    lookup: options.lookup,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.knownHostsFile ? { knownHostsFile: options.knownHostsFile } : {}),
    ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
    ...(options.agentSocket ? { agentSocket: options.agentSocket } : {}),
    ...(options.defaultKeepaliveMs ? { defaultKeepaliveMs: options.defaultKeepaliveMs } : {}),
  });
  let pty: Pty | undefined;
  try {
    const channel = await openShell(connection, profile);
    pty = new Pty(channel, { cols: profile.terminal.cols, rows: profile.terminal.rows });
    options.onPty?.(pty);
    const result = await walk(profile, pty, prepared, options);
    return { profile, connection, pty, walk: result };
  } catch (err) {
    connection.close();
    pty?.screen.dispose();
    throw err;
  }
}

/** Two hops are the same place when they were declared by the same profile and resolve alike. */
function sameHop(a: Hop, b: Hop): boolean {
  const shape = (h: Hop) => JSON.stringify({ ...h, source: null });
  return shape(a) === shape(b);
}

/** How many leading hops two profiles share. */
export function sharedHops(a: ResolvedProfile, b: ResolvedProfile): number {
  let n = 0;
  while (n < a.hops.length && n < b.hops.length && sameHop(a.hops[n] as Hop, b.hops[n] as Hop)) n++;
  return n;
}

/** Waits for a pattern in the PTY's text, event-driven, within `timeoutMs`. */
function waitFor(pty: Pty, pattern: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      off();
      pty.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () =>
      done(new GatewalkError('session_closed', 'the connection closed while leaving a hop'));
    const timer = setTimeout(
      () =>
        done(
          new GatewalkError(
            'walk_timeout',
            `no /${pattern}/ within ${timeoutMs} ms while leaving a hop`,
          ),
        ),
      timeoutMs,
    );
    const off = pty.onText(
      (text) => {
        buffer += text;
        const m = earliestMatch(buffer, [pattern]);
        if (m) {
          done();
          pty.unread(buffer.slice(m.end));
        }
      },
      { fresh: true },
    );
    pty.once('close', closed);
  });
}

/** Leaves hops from the last down to `keep` hops, each with its `exit`, waiting for the prompt below. */
export async function leaveHops(session: NavSession, keep: number): Promise<void> {
  const hops = session.profile.hops;
  // Check every hop before typing anything: stopping halfway would strand the session.
  const stuck = hops.slice(keep).find((h) => h.exit === null);
  if (stuck) {
    throw new GatewalkError(
      'hop_no_exit',
      `hop "${stuck.name}" of profile "${session.profile.name}" has no exit: cannot leave it`,
    );
  }
  for (let i = hops.length - 1; i >= keep; i--) {
    const hop = hops[i] as Hop;
    const below = hops[i - 1];
    const back = below?.prompt
      ? waitFor(session.pty, below.prompt, session.profile.timeoutMs)
      : Promise.resolve();
    session.pty.write(`${hop.exit ?? ''}\r`);
    await back;
  }
}

/**
 * Moves an open session to another profile that shares leading hops with it: leaves the hops
 * that differ with their exits, then walks the new profile's remaining hops on the same PTY.
 */
export async function switchTarget(
  session: NavSession,
  target: ResolvedProfile,
  options: WalkOptions = {},
): Promise<NavSession> {
  const shared = sharedHops(session.profile, target);
  if (JSON.stringify(session.profile.connect) !== JSON.stringify(target.connect)) {
    throw new GatewalkError(
      'no_shared_hops',
      `profiles "${session.profile.name}" and "${target.name}" connect differently (host, user, via or keys): open a new session instead`,
    );
  }
  if (shared === 0) {
    throw new GatewalkError(
      'no_shared_hops',
      `profiles "${session.profile.name}" and "${target.name}" share no hop: open a new session instead`,
    );
  }
  await leaveHops(session, shared);
  const rest: ResolvedProfile = { ...target, hops: target.hops.slice(shared) };
  const prepared = await prepareWalk(rest, options.secrets);
  const result = await walk(rest, session.pty, prepared, options);
  return { ...session, profile: target, walk: result };
}

/**
 * Leaves every hop with its exit (the first one too: a menu's `q`), then disconnects. With
 * `leave: false` (a command still runs, the shell would not take an exit) it just disconnects.
 */
export async function closeSession(
  session: NavSession,
  options: { leave?: boolean } = {},
): Promise<void> {
  try {
    if (options.leave !== false && !session.pty.closed) await leaveHops(session, 0);
  } catch {
    // Closing anyway: the connection goes below.
  } finally {
    session.connection.close();
    session.pty.screen.dispose();
  }
}
