// How a SessionManager is set up, and what opening a session asks for.
import type { OpenOptions } from '../navigator/session.js';
import type { WalkProgress } from '../navigator/walk.js';
import type { ProfileRegistry } from '../profiles/registry.js';
import type { Asker } from '../profiles/secrets.js';
import type { ParamValue } from '../profiles/types.js';
import type { AuditKey } from './audit-key.js';
import type { ReconnectPolicy } from './reentry.js';

export interface ManagerOptions {
  /** The profiles as they are now (they reload when their files change; may still load). */
  registry: () => ProfileRegistry | Promise<ProfileRegistry>;
  /** Transcripts go to `<transcriptDir>/<session_id>.jsonl`. */
  transcriptDir: string;
  /** Command outputs too big for memory go here, one folder per session (0600 files). */
  spillDir?: string;
  clientLabel?: string | null;
  /** Known hosts, ssh config, agent socket and secrets for every walk. */
  connect?: Omit<OpenOptions, 'lookup' | 'onProgress' | 'now'>;
  /** Close sessions with no call for this long (0: never). */
  idleCloseMs?: number;
  /** How many closed sessions stay listed (default 100); older ones are forgotten. */
  closedHistory?: number;
  /** Accept `user@host[:port]` and ~/.ssh/config aliases as one-hop profiles. */
  allowDirect?: boolean;
  /** How long a direct target may take to show a shell prompt (default 15 s). */
  directTimeoutMs?: number;
  log?: (line: string) => void;
  /** Told when a transcript cannot be written (default: a process warning). */
  onTranscriptFailure?: (message: string) => void;
  /** Re-entry for profiles that do not set `reconnect` (serve --reconnect); default none. */
  reconnect?: ReconnectPolicy;
  /** The installation's audit key: transcripts are hash-chained with it (none: plain lines). */
  auditKey?: () => AuditKey;
}

export interface OpenRequest {
  profile: string;
  params?: Record<string, ParamValue>;
  label?: string | null;
  onProgress?: (p: WalkProgress) => void;
  /** Asks a person for `{ ask }` secrets when the walk reaches them (none: such walks fail). */
  ask?: Asker;
}
