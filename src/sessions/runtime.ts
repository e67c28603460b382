// The server instance's folder: server.json, server.log and one transcript per session.
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
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

export class RuntimeDir {
  readonly dir: string;
  readonly transcripts: string;
  private readonly logFile: string;
  private record: ServerRecord;

  constructor(root: string, record: Omit<ServerRecord, 'transcripts'>) {
    const stamp = record.started_at.replace(/[:.]/g, '-');
    this.dir = join(root, 'servers', `${stamp}-${record.pid}`);
    this.transcripts = join(this.dir, 'transcripts');
    // Transcripts hold what happened on production hosts: only the user may read them.
    mkdirSync(this.transcripts, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    this.logFile = join(this.dir, 'server.log');
    this.record = { ...record, transcripts: this.transcripts };
    this.save();
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
