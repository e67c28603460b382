import type { ClientChannel } from 'ssh2';
import { GatewalkError } from '../errors.js';
import type { SecretContext } from '../profiles/secrets.js';
import type { Hop, ResolvedProfile } from '../profiles/types.js';
import { connectProfile, type ConnectDeps, type SshConnection } from '../ssh/connect.js';
import type { Pty } from '../terminal/pty.js';
import { callbackWithin } from '../util/timeout.js';
import { leaveHops } from './leave.js';
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
  /** Asks a person the keyboard-interactive prompts the profile does not answer (record). */
  prompt?: ConnectDeps['prompt'];
}

/** A walked path: one SSH connection, one PTY, standing at the last hop's prompt. */
export interface NavSession {
  profile: ResolvedProfile;
  connection: SshConnection;
  pty: Pty;
  walk: WalkResult;
  /**
   * The hop the session stands at (an index into profile.hops): the last one once walked, a
   * lower one when a command ended the hop's shell, -1 once closed.
   */
  at: number;
  /** Each hop's prompt line as it stood when the hop was reached (null: not recorded). */
  prompts: (string | null)[];
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
  // The terminal's modules (@xterm/headless) load while the SSH handshake waits on the server.
  const terminal = import('../terminal/pty.js');
  terminal.catch(() => undefined);
  const connection = await connectProfile(profile, {
    lookup: options.lookup,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.knownHostsFile ? { knownHostsFile: options.knownHostsFile } : {}),
    ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
    ...(options.agentSocket ? { agentSocket: options.agentSocket } : {}),
    ...(options.defaultKeepaliveMs ? { defaultKeepaliveMs: options.defaultKeepaliveMs } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  let pty: Pty | undefined;
  try {
    const channel = await openShell(connection, profile);
    const { Pty } = await terminal;
    pty = new Pty(channel, { cols: profile.terminal.cols, rows: profile.terminal.rows });
    options.onPty?.(pty);
    const result = await walk(profile, pty, prepared, options);
    return {
      profile,
      connection,
      pty,
      walk: result,
      at: profile.hops.length - 1,
      prompts: result.prompts,
    };
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
  if (session.at < shared - 1) {
    throw new GatewalkError(
      'hop_lost',
      `the session stands at hop "${session.profile.hops[session.at]?.name ?? '?'}", below what "${target.name}" shares with it: reopen it instead`,
    );
  }
  await leaveHops(session, shared, options.secrets);
  const rest: ResolvedProfile = { ...target, hops: target.hops.slice(shared) };
  const prepared = await prepareWalk(rest, options.secrets);
  const result = await walk(rest, session.pty, prepared, options);
  return {
    ...session,
    profile: target,
    walk: result,
    at: target.hops.length - 1,
    prompts: [...session.prompts.slice(0, shared), ...result.prompts],
  };
}

export { closeSession, leaveHops } from './leave.js';
