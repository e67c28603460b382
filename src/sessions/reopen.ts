// Reopening a broken session: from the hop it stands at when its connection is alive (a
// command ended the last hop's shell, a host logged out behind its menu), else from scratch on
// a new connection. Where it stands is read off the screen again first: a hop taken for left
// may be back (a prompt-looking line in a command's output), and then nothing is typed.
import { GatewalkError } from '../errors.js';
import {
  closeSession,
  openSession,
  type NavSession,
  type OpenOptions,
} from '../navigator/session.js';
import { prepareWalk, walk } from '../navigator/walk.js';
import type { ResolvedProfile } from '../profiles/types.js';
import { hopAtCursor } from '../shell/position.js';
import type { ManagedSession } from './session.js';
import { freshCodes, watchTotp } from './reentry-keep.js';

export interface ReopenDeps {
  profile: ResolvedProfile;
  options: OpenOptions;
  loginSecrets: () => Promise<string[]>;
  /** The server is stopping or the session was closed meanwhile: do not bring it back. */
  gone: () => boolean;
}

/** Walks the lost hops again on the same PTY; false when the screen says nothing sure. */
async function fromWhereItStands(session: ManagedSession, deps: ReopenDeps): Promise<boolean> {
  const old = session.nav;
  const last = old.profile.hops.length - 1;
  if (old.pty.closed || old.at < 0) return false;
  const here = hopAtCursor(old, last);
  if (here < 0) return false;
  if (here === last) {
    session.rewalked({ ...old, at: last });
    session.transcript.note('reopen', {
      note: `the prompt of hop ${old.profile.hops[last]?.name} is back: nothing walked`,
    });
    return true;
  }
  const rest: ResolvedProfile = { ...old.profile, hops: old.profile.hops.slice(here + 1) };
  await freshCodes(rest, deps.options.secrets, deps.options.onProgress);
  const walked = await walk(
    rest,
    old.pty,
    await prepareWalk(rest, deps.options.secrets),
    deps.options,
  );
  if (deps.gone())
    throw new GatewalkError('session_closed', `session ${session.id} was closed meanwhile`);
  session.rewalked({
    ...old,
    walk: walked,
    at: last,
    prompts: [...old.prompts.slice(0, here + 1), ...walked.prompts],
  });
  session.transcript.note('reopen', {
    note: `walked again from hop ${old.profile.hops[here]?.name}`,
  });
  return true;
}

export async function reopenSession(
  session: ManagedSession,
  deps: ReopenDeps,
): Promise<NavSession> {
  try {
    if (await fromWhereItStands(session, deps)) return session.nav;
  } catch (err) {
    if (err instanceof GatewalkError && err.code === 'session_closed') throw err;
    // Not there after all: walk the whole path again on a new connection.
  }
  const loginSecrets = await deps.loginSecrets();
  const seeds = await freshCodes(deps.profile, deps.options.secrets, deps.options.onProgress);
  const nav = await openSession(deps.profile, {
    ...deps.options,
    onPty: (pty) => {
      for (const value of loginSecrets) pty.secrets.add(value);
      watchTotp(pty, seeds);
    },
  });
  if (deps.gone()) {
    await closeSession(nav, { leave: false });
    throw new GatewalkError('session_closed', `session ${session.id} was closed meanwhile`);
  }
  session.nav.connection.close();
  session.nav.pty.screen.dispose();
  session.replaceNav(nav);
  session.transcript.note('reopen', { note: 'path walked again; shell state was lost' });
  return nav;
}
