// What the viewer shows: the live sessions of this server, and sessions of the past read from
// their transcripts (`gatewalk view`). Both described alike.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionManager } from '../sessions/manager.js';
import type { ManagedSession } from '../sessions/session.js';
import { readTranscript, type Transcript } from '../sessions/transcript.js';

export interface ViewerSession {
  id: string;
  profile: string;
  label: string | null;
  state: string;
  reason?: string;
  hop: string;
  opened_at: string;
  last_activity: string;
  commands: number;
  transcript: string;
  cols: number;
  rows: number;
  live: boolean;
}

export interface Catalog {
  list(): ViewerSession[];
  find(id: string): ViewerSession | undefined;
  /** The live session, to follow and to type into; undefined for past ones. */
  live(id: string): ManagedSession | undefined;
}

/** A past session, as its transcript tells it. */
export function describeTranscript(path: string, t: Transcript): ViewerSession {
  let state = 'unknown';
  let reason: string | undefined;
  let last = 0;
  let commands = 0;
  for (const e of t.events) {
    last = e.t;
    if (e.type === 'state') {
      state = e.state;
      reason = e.reason;
    } else if (e.type === 'command_start') commands++;
  }
  const started = Date.parse(t.meta.started_at);
  return {
    id: t.meta.session_id,
    profile: t.meta.profile,
    label: t.meta.label,
    state,
    ...(reason ? { reason } : {}),
    hop: t.meta.hops.at(-1) ?? '',
    opened_at: t.meta.started_at,
    last_activity: new Date(started + last).toISOString(),
    commands,
    transcript: path,
    cols: t.meta.cols,
    rows: t.meta.rows,
    live: false,
  };
}

/** Every transcript under a runtime root (`servers/*\/transcripts/*.jsonl`). */
export function pastCatalog(runtimeRoot: string): Catalog {
  // Parsed once per version of a file: a page view must not re-read every transcript.
  const cache = new Map<string, { stamp: string; entry: ViewerSession }>();
  const describeFile = (path: string): ViewerSession => {
    const st = statSync(path);
    const stamp = `${st.mtimeMs}:${st.size}`;
    const hit = cache.get(path);
    if (hit?.stamp === stamp) return hit.entry;
    const entry = describeTranscript(path, readTranscript(path));
    cache.set(path, { stamp, entry });
    return entry;
  };
  const scan = (): ViewerSession[] => {
    const servers = join(runtimeRoot, 'servers');
    if (!existsSync(servers)) return [];
    return readdirSync(servers).flatMap((instance) => {
      const dir = join(servers, instance, 'transcripts');
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => {
          try {
            return [describeFile(join(dir, f))];
          } catch {
            return []; // A transcript cut short by a crash: skipped, not fatal to the list.
          }
        });
    });
  };
  return {
    list: scan,
    find: (id) => scan().find((s) => s.id === id),
    live: () => undefined,
  };
}

/** The sessions of a running server: live ones from the manager. */
export function liveCatalog(manager: SessionManager): Catalog {
  const describe = (s: ManagedSession): ViewerSession => {
    const info = s.info();
    return {
      id: s.id,
      profile: info.profile,
      label: info.label,
      state: info.state,
      ...(info.reason ? { reason: info.reason } : {}),
      hop: info.hop,
      opened_at: info.opened_at,
      last_activity: info.last_activity,
      commands: s.shell.commands().length,
      transcript: s.transcript.path,
      cols: s.nav.pty.size.cols,
      rows: s.nav.pty.size.rows,
      live: s.state !== 'closed',
    };
  };
  return {
    list: () => manager.all().map(describe),
    find: (id) => {
      const s = manager.all().find((x) => x.id === id);
      return s ? describe(s) : undefined;
    },
    live: (id) => manager.all().find((x) => x.id === id && x.state !== 'closed'),
  };
}
