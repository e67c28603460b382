// The server instance's folder: server.json, server.log and one transcript per session. Each
// start also prunes the folders of servers that stopped long ago (pruneServers); with
// `serve --keep-days N`, transcripts and spilled outputs older than N days go too (pruneSessionFiles).
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ServerRecord {
  pid: number;
  started_at: string;
  client: string | null;
  profile_dirs: string[];
  transcripts: string;
  http_url: string | null;
  viewer_url: string | null;
  /** The viewer's token (this file is 0600): open `viewer_url?token=...`. */
  viewer_token?: string;
}

/** `--runtime`, else $XDG_STATE_HOME/gatewalk, else ~/.local/state/gatewalk. */
export function defaultRuntimeRoot(env: Record<string, string | undefined>): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'gatewalk');
}

/** Folders of stopped servers last written this long ago are removed at the next start... */
export const RUNTIME_RETENTION_MS = 14 * 24 * 3600_000;
/** ...except the newest this many, whatever their age: a rarely used setup keeps its history. */
export const RUNTIME_KEEP_NEWEST = 10;

export interface PruneOptions {
  retentionMs?: number;
  keepNewest?: number;
  now?: number;
  /** Whether a process runs (default: signal 0); a server still running is never pruned. */
  alive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user. Only "no such process" is gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The names in a folder; none when it cannot be read (not made yet, removed meanwhile). */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The newest write in an instance folder: its files, and the transcripts written into it. */
function lastWritten(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const sub of ['', 'transcripts']) {
    for (const name of namesIn(join(dir, sub))) {
      try {
        newest = Math.max(newest, statSync(join(dir, sub, name)).mtimeMs);
      } catch {
        // Removed meanwhile: nothing to count.
      }
    }
  }
  return newest;
}

/** The pid of an instance folder: server.json's, else the name's tail (`<start>-<pid>`). */
function folderPid(dir: string, name: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { pid?: unknown })
      .pid;
    if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0) return pid;
  } catch {
    // No or broken server.json: the name still says which process made the folder.
  }
  const tail = /-(\d+)$/.exec(name)?.[1];
  return tail === undefined ? undefined : Number(tail);
}

/**
 * Removes `${root}/servers/*` folders whose server is no longer running and that nothing was
 * written to for `retentionMs` (14 days), keeping the `keepNewest` (10) most recent regardless.
 * Transcripts go with their folder. Returns the folders removed. Never throws: a folder that
 * cannot be read or removed stays, for the next start.
 */
export function pruneServers(root: string, options: PruneOptions = {}): string[] {
  const retention = options.retentionMs ?? RUNTIME_RETENTION_MS;
  const keep = options.keepNewest ?? RUNTIME_KEEP_NEWEST;
  const now = options.now ?? Date.now();
  const alive = options.alive ?? processAlive;
  const servers = join(root, 'servers');
  let names: string[];
  try {
    names = readdirSync(servers);
  } catch {
    return [];
  }
  const folders: { dir: string; name: string; written: number }[] = [];
  for (const name of names) {
    const dir = join(servers, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
      folders.push({ dir, name, written: lastWritten(dir) });
    } catch {
      continue;
    }
  }
  folders.sort((a, b) => b.written - a.written);
  const removed: string[] = [];
  for (const { dir, name, written } of folders.slice(keep)) {
    if (now - written < retention) continue;
    const pid = folderPid(dir, name);
    // No pid to check: not a folder gatewalk made the usual way; left alone.
    if (pid === undefined || alive(pid)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Left for the next start.
    }
  }
  return removed;
}

export const DAY_MS = 24 * 3600_000;

export interface RetentionOptions {
  /** Files not written for this long are removed. */
  keepMs: number;
  /** This server's instance folder: its open sessions' files stay, whatever their age. */
  ownDir?: string;
  /** Ids of this server's sessions still open. */
  open?: () => ReadonlySet<string>;
  now?: number;
  alive?: (pid: number) => boolean;
}

/** The newest mtime of a path and, for a folder, of what is in it (one level down). */
function newestIn(path: string): number {
  let newest = statSync(path).mtimeMs;
  if (!statSync(path).isDirectory()) return newest;
  for (const name of readdirSync(path)) {
    try {
      newest = Math.max(newest, statSync(join(path, name)).mtimeMs);
    } catch {
      // Removed meanwhile.
    }
  }
  return newest;
}

/**
 * Removes, in every `${root}/servers/*` folder, the transcripts (`transcripts/<id>.jsonl`) and
 * spilled outputs (`outputs/<id>/`) nothing was written to for `keepMs`. Never a session still
 * open: in this server's folder the open sessions' files stay, and the folders of other servers
 * still running are left alone. Returns the paths removed; never throws (what cannot be read
 * or removed stays, for the next round).
 */
export function pruneSessionFiles(root: string, options: RetentionOptions): string[] {
  const now = options.now ?? Date.now();
  const alive = options.alive ?? processAlive;
  const open = options.open?.() ?? new Set<string>();
  const servers = join(root, 'servers');
  let names: string[];
  try {
    names = readdirSync(servers);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(servers, name);
    const own = options.ownDir !== undefined && dir === options.ownDir;
    if (!own) {
      const pid = folderPid(dir, name);
      if (pid === undefined || alive(pid)) continue;
    }
    for (const [sub, idOf] of [
      ['transcripts', (f: string) => (f.endsWith('.jsonl') ? f.slice(0, -6) : undefined)],
      ['outputs', (f: string) => f],
    ] as const) {
      for (const entry of namesIn(join(dir, sub))) {
        const id = idOf(entry);
        if (id === undefined || (own && open.has(id))) continue;
        const path = join(dir, sub, entry);
        try {
          if (now - newestIn(path) < options.keepMs) continue;
          rmSync(path, { recursive: true, force: true });
          removed.push(path);
        } catch {
          // Left for the next round.
        }
      }
    }
  }
  return removed;
}

export class RuntimeDir {
  /** The runtime root: `servers/` with one folder per instance, and the HTTP token file. */
  readonly root: string;
  readonly dir: string;
  readonly transcripts: string;
  private readonly logFile: string;
  private record: ServerRecord;

  constructor(
    root: string,
    record: Omit<ServerRecord, 'transcripts'>,
    prune: PruneOptions | false = {},
  ) {
    this.root = root;
    // Before this instance's folder exists: it is never a candidate.
    const pruned = prune === false ? [] : pruneServers(root, prune);
    const stamp = record.started_at.replace(/[:.]/g, '-');
    this.dir = join(root, 'servers', `${stamp}-${record.pid}`);
    this.transcripts = join(this.dir, 'transcripts');
    // Transcripts hold what happened on production hosts: only the user may read them.
    mkdirSync(this.transcripts, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    this.logFile = join(this.dir, 'server.log');
    this.record = { ...record, transcripts: this.transcripts };
    this.save();
    if (pruned.length > 0)
      this.log(
        `removed ${pruned.length} folder(s) of servers stopped long ago: ${pruned.join(', ')}`,
      );
  }

  update(fields: Partial<ServerRecord>): void {
    this.record = { ...this.record, ...fields };
    this.save();
  }

  private save(): void {
    writeFileSync(join(this.dir, 'server.json'), `${JSON.stringify(this.record, null, 2)}\n`, {
      mode: 0o600,
    });
  }

  log(line: string): void {
    appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  }
}
