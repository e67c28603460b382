import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as NodePtyModule from 'node-pty';
import type { IPty } from 'node-pty';
import { GatewalkError } from '../src/errors.js';

type NodePty = typeof NodePtyModule;
let nodePty: NodePty | undefined;

/**
 * Loads node-pty, the lab's only native module. It is an optional dependency (it needs a C++
 * toolchain where no prebuilt binary fits): only the lab and the demo use it, loaded here, so
 * `serve`, `run`, `open` and `validate` work where it could not be installed. startLab calls
 * this first: a missing node-pty is said at once, not at the first login.
 */
export async function loadNodePty(): Promise<NodePty> {
  if (nodePty) return nodePty;
  try {
    const loaded = (await import('node-pty')) as NodePty & { default?: NodePty };
    // node-pty is CommonJS: its exports arrive as the default export.
    nodePty = loaded.default ?? loaded;
    return nodePty;
  } catch (err) {
    throw new GatewalkError(
      'lab_no_node_pty',
      'the lab and the demo need node-pty, an optional dependency that could not be loaded ' +
        `(${(err as Error).message.split('\n')[0]}). Install it next to gatewalk ` +
        '(npm install -g node-pty, or npm install node-pty in a checkout; it needs make, g++ and ' +
        'python3 where no prebuilt binary fits). serve, run, open and validate do not need it.',
      { cause: err },
    );
  }
}

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
  if (!nodePty) throw new Error('startMasterShell before loadNodePty (startLab loads it)');
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
