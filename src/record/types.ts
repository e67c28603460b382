// What `gatewalk record` captures while a person walks a gateway by hand, and what the analysis
// makes of it: the contract between the capture (src/record/capture.ts, src/cli/record-command.ts)
// and the analysis (src/record/analyse.ts and its parts), which is pure: events in, draft out.
import type { RawConnect, RawProfile } from '../profiles/types.js';

/** The screen at one moment, as the headless terminal rendered it. */
export interface Snapshot {
  /** The text on the cursor's line before the cursor, with up to 3 lines above (Screen.beforeCursor(4)). */
  before: string;
  /** The screen's rows from the top down to the cursor's row, right-trimmed. */
  rows: string[];
  cursor: { row: number; col: number };
}

/** One thing that happened, in order; `t` is ms since the recording started. */
export type RecordEvent =
  /** Text from the gateway: decoded, escape sequences stripped (Pty 'text' events). */
  | { t: number; kind: 'out'; text: string }
  /**
   * Bytes the person typed, as sent to the gateway, with the screen just before they were
   * written. A secret's bytes are here too (the analysis needs them to see that they were not
   * echoed); they never leave memory and never reach the draft.
   */
  | { t: number; kind: 'key'; data: string; at: Snapshot }
  /** An SSH keyboard-interactive prompt answered by the person (echo: the server's flag). */
  | { t: number; kind: 'auth'; prompt: string; echo: boolean }
  /** Ctrl-] m (a hop ends here) or Ctrl-] x (the line just typed was a secret). */
  | { t: number; kind: 'mark'; what: 'hop' | 'secret' }
  | { t: number; kind: 'resize'; cols: number; rows: number }
  /** The connection closed (the person left the first hop). */
  | { t: number; kind: 'close' };

export interface RecordInfo {
  /** The profile's name (NAME of `gatewalk record NAME`). */
  name: string;
  /** The draft's connect block (--connect), or null when it extends another profile. */
  connect: RawConnect | null;
  /** --extends PROFILE: the draft holds only the hops recorded after that profile's walk. */
  extends: string | null;
  /** The terminal's size when the recording started. */
  terminal: { cols: number; rows: number };
  /** The screen when the person stopped (Ctrl-] s); null when the connection closed first. */
  final: Snapshot | null;
  /**
   * What answered at the last place when the person stopped, probed by the capture (the
   * executor's shell probe): a POSIX shell (sh, bash, dash, ash, mksh, zsh), fish, or nothing
   * gatewalk can run commands in (a menu, tcsh, tmux); null when not probed (closed first).
   */
  lastShell: { kind: 'posix' | 'fish' | 'none'; name: string } | null;
  /** ISO time of the recording, for the draft's header comment. */
  recordedAt: string;
}

/** A secret the person typed: the draft references it by a name the person gives at the end. */
export interface SecretSlot {
  /** Stable id, used as the key of the names given to `render`. */
  id: string;
  /** A 6-8 digit code at a code prompt (becomes { totp: { env } }) or any other secret ({ env }). */
  kind: 'password' | 'code';
  /** The prompt it answered ("Password: ", "OTP Code: "). */
  prompt: string;
  /** The hop it was typed in. */
  hop: string;
  /** A suggested environment variable name, e.g. KOKO_DB_MENU_TOTP_SEED. */
  suggested: string;
}

export interface Draft {
  /** The profile as it will be written (secrets referenced by their suggested names). */
  profile: RawProfile;
  secrets: SecretSlot[];
  /**
   * The draft as YAML (`version: 1`, `profiles: { NAME: ... }`), with comments saying what each
   * step answers, the secrets referenced by the names given (slot id → env var name; missing:
   * the suggested name). Never contains a secret's value.
   */
  render(names?: Record<string, string>): string;
}
