// The modules a session needs, loaded at the first open (see SessionModules).
import type * as NavModule from '../navigator/session.js';
import type * as PositionModule from '../shell/position.js';
import type * as ReopenModule from './reopen.js';
import type * as SessionModule from './session.js';
import type * as TranscriptModule from './transcript.js';

/**
 * What a session needs: SSH (ssh2), the terminal (@xterm/headless), the walk (xstate), commands.
 * Loaded at the first open, not with the server (a few hundred ms): `gatewalk serve` answers
 * sooner. `preload()` loads them ahead, once the server is up.
 */
export interface SessionModules {
  nav: typeof NavModule;
  position: typeof PositionModule;
  reopen: typeof ReopenModule;
  session: typeof SessionModule;
  transcript: typeof TranscriptModule;
}

let loading: Promise<SessionModules> | undefined;
let modules: SessionModules | undefined;

export function sessionModules(): Promise<SessionModules> {
  return (loading ??= Promise.all([
    import('../navigator/session.js'),
    import('../shell/position.js'),
    import('./reopen.js'),
    import('./session.js'),
    import('./transcript.js'),
  ]).then(([nav, position, reopen, session, transcript]) => {
    modules = { nav, position, reopen, session, transcript };
    return modules;
  }));
}

/** The modules, for a session that exists (so they are loaded): no await, no interleaving. */
export function loadedModules(): SessionModules {
  if (!modules) throw new Error('the session modules are not loaded: no session was opened');
  return modules;
}
