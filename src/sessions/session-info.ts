// What a session is as listings and callers see it: its state, where it stands, how it was opened.
import type { ParamValue } from '../profiles/types.js';
import type { ReentryRecord } from './reentry.js';

export type SessionState = 'ready' | 'busy' | 'closed' | 'broken';

export interface SessionInfo {
  session_id: string;
  profile: string;
  label: string | null;
  state: SessionState;
  /** Why the session is not ready (broken or closed), when it is not. */
  reason?: string;
  hop: string;
  opened_at: string;
  last_activity: string;
  /** Re-entries after drops and logouts (profile `reconnect`), the last few, oldest first. */
  reentries?: ReentryRecord[];
  /** How many re-entries there were in all. */
  reentry_count?: number;
}

export interface SessionSpec {
  profile: string;
  params: Record<string, ParamValue>;
  label: string | null;
}
