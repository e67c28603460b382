import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodePty from 'node-pty';
import type { IPty } from 'node-pty';

export interface MasterShellOptions {
  bash: string;
  home: string;
  bin: string;
  clusterFile: string;
  systemPath: string;
  user: string;
  host: string;
  /** bash PS1 with {user}, {host} and {sigil} placeholders. */
  prompt: string;
  term: string;
  cols: number;
  rows: number;
  labId: string;
}

/** Single-quotes text for sh and bash. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts the master's real bash in a PTY, in the session's scratch home, with the fake kubectl
 * first on PATH. Raw bytes both ways (encoding null): the lab never re-encodes what a shell says.
 */
export function startMasterShell(o: MasterShellOptions): IPty {
  const sigil = o.user === 'root' ? '#' : '$';
  const ps1 = o.prompt
    .replaceAll('{user}', o.user)
    .replaceAll('{host}', o.host)
    .replaceAll('{sigil}', sigil);
  const rc = join(o.home, '.bashrc');
  writeFileSync(rc, `PS1=${shellQuote(ps1)}\n`);
  return nodePty.spawn(o.bash, ['--rcfile', rc, '-i'], {
    name: o.term,
    cols: o.cols,
    rows: o.rows,
    cwd: o.home,
    encoding: null,
    env: {
      HOME: o.home,
      USER: o.user,
      LOGNAME: o.user,
      SHELL: o.bash,
      HOSTNAME: o.host,
      TERM: o.term,
      LANG: 'C.UTF-8',
      PATH: `${o.bin}:${o.systemPath}`,
      GATEWALK_LAB_ID: o.labId,
      GATEWALK_LAB_CLUSTER: o.clusterFile,
    },
  });
}
