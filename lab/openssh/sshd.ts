// The real-OpenSSH conformance lab: the system sshd on 127.0.0.1, one generated client key per
// "entry" (a gateway script or a shell), each key forced to its entry's command in a generated
// authorized_keys, so one sshd serves every entry. See lab/openssh/README.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processTree, waitForExit } from '../processes.js';

const execFileAsync = promisify(execFile);

export const ENTRY_NAMES = [
  'koko',
  'koko-mfa',
  'koko-idle',
  'columns',
  'cjk',
  'netcli',
  'master',
  'app-shell',
  'jump',
  'bash',
  'bash-readonly-hist',
  'bash-vi',
  'bash-nounset',
  'bash-errexit',
  'bash-traps',
  'bash-multiline',
  'bash-tmux',
  'bash-screen',
  'dash',
  'ash',
  'mksh',
  'zsh',
  'zsh-themed',
  'fish',
  'tcsh',
] as const;

export type EntryName = (typeof ENTRY_NAMES)[number];

/** The entries that are plain interactive shells (each reaches its prompt and runs commands). */
export const SHELL_ENTRIES: readonly EntryName[] = [
  'bash',
  'bash-readonly-hist',
  'bash-vi',
  'bash-nounset',
  'bash-errexit',
  'bash-traps',
  'bash-multiline',
  'bash-tmux',
  'bash-screen',
  'dash',
  'ash',
  'mksh',
  'zsh',
  'zsh-themed',
  'fish',
  'tcsh',
];

/** The internal entry koko's menu connects to with the real ssh client (an asset's shell). */
const KOKO_TARGET = 'koko-target';

export interface OpenSshLab {
  host: '127.0.0.1';
  port: number;
  /** The current user's name: every entry logs in as it. */
  user: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** A known_hosts file with the `[127.0.0.1]:port` line of the host key. */
  knownHosts: string;
  /** The base32 seed koko-mfa checks its TOTP codes against. */
  totpSeed: string;
  /** The lab's temporary folder: keys, homes, logs (sshd.log, events.log). */
  dir: string;
  /** `GW_OPENSSH_LAB=<id>`: the environment entry every process of the lab carries. */
  marker: string;
  /** The private key (0600, OpenSSH format, ed25519) that logs in to `entry`. */
  key(entry: EntryName): string;
  /** The HOME of that entry's shell (history files land there). */
  home(entry: EntryName): string;
  /** The lines the entries appended to the event log, `<who>: <event>`, in order. */
  events(): string[];
  /**
   * Pids of the lab's live processes: sshd and its per-connection processes (sshd's process
   * title overwrites its environment, so they are found as the listener's descendants) and
   * everything carrying the marker (sessions, daemons they started such as tmux's server).
   */
  processes(): number[];
  /** What sshd logged so far (its -e output, also in `dir`/sshd.log). */
  sshdLog(): string;
  /** Stops sshd and every process any session started, and removes the folder. */
  close(): Promise<void>;
}

/** The programs the lab needs, with the Debian package providing each. */
export const OPENSSH_LAB_PROGRAMS: [program: string, debianPackage: string][] = [
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['bash', 'bash'],
  ['dash', 'dash'],
  ['busybox', 'busybox'],
  ['mksh', 'mksh'],
  ['zsh', 'zsh'],
  ['fish', 'fish'],
  ['tcsh', 'tcsh'],
  ['tmux', 'tmux'],
  ['screen', 'screen'],
  ['stty', 'coreutils'],
  ['env', 'coreutils'],
];

/** Where programs are looked for: PATH, then the sbin folders a non-root PATH lacks (sshd). */
export function findProgram(program: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** The programs of OPENSSH_LAB_PROGRAMS this machine lacks, and the command that installs them. */
export function missingOpenSshLabPrograms(): { programs: string[]; install: string } | undefined {
  const missing = OPENSSH_LAB_PROGRAMS.filter(([program]) => !findProgram(program));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  return {
    programs: missing.map(([program]) => program),
    install: `apt-get install -y ${packages.join(' ')}`,
  };
}

const hostShort = hostname().split('.')[0] ?? hostname();
const userName = userInfo().username;
const isRoot = process.getuid?.() === 0;
/** What bash's `\$`, zsh's `%#` and fish's prompt suffix show for the current user. */
const sigil = isRoot ? '#' : '$';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `\W` of a bash prompt: the last folder name, or `~` at home. */
const W = '[^\\]\\n]*';
const host = escapeRegex(hostShort);
const user = escapeRegex(userName);

/**
 * The prompt each entry waits at (for a gateway: its main menu prompt), as the SOURCE of a JS
 * regex anchored at the end, to be matched against ANSI-stripped output (no CR). Computed for
 * the current user (`#` for root, `$` otherwise) and host name (os.hostname(), up to the first
 * dot). The exact PS1 of each is in lab/openssh/README.md.
 */
export const PROMPTS: Record<EntryName, string> = {
  koko: 'Opt> $',
  'koko-mfa': 'Opt> $',
  'koko-idle': 'Opt> $',
  columns: 'Select a host \\(q quits\\): $',
  cjk: '请输入资产ID：$',
  netcli: 'router01[>#]$',
  master: `\\[root@master ${W}\\]\\$ $`,
  'app-shell': 'app@app-server:[^\\n]*\\$ $',
  jump: `\\[jump ${W}\\]\\$ $`,
  bash: `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-readonly-hist': `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-vi': `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-nounset': `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-errexit': `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-traps': `\\[bash ${W}\\]${escapeRegex(sigil)} $`,
  'bash-multiline': `\\n${user}@multiline [^\\n]*\\n${escapeRegex(sigil)} $`,
  'bash-tmux': `\\[tmux ${W}\\]${escapeRegex(sigil)} ?$`,
  'bash-screen': `\\[screen ${W}\\]${escapeRegex(sigil)} ?$`,
  dash: '\\[dash\\]\\$ $',
  ash: `\\[ash ${W}\\]${escapeRegex(sigil)} $`,
  mksh: '\\[mksh\\]\\$ $',
  zsh: `${host}${isRoot ? '#' : '%'} $`,
  'zsh-themed': `${user}@zsh [^\\n]* ${isRoot ? '#' : '%'} (?:\\[\\d+\\])?$`,
  fish: `${user}@${host} [^\\n]*${isRoot ? '#' : '>'} $`,
  tcsh: '\\[tcsh\\]> $',
};

/** The other prompts of the gateways and of what lies behind them (regex sources, as PROMPTS). */
export const INNER_PROMPTS = {
  /** koko-mfa, before the banner (read without echo). */
  kokoOtp: 'OTP Code: $',
  /** koko's asset list and search results. */
  kokoHost: '\\[Host\\]> $',
  /** koko's account choice. */
  kokoAccount: 'ID> $',
  /** The bash of an asset behind koko: `[dba@db-prod-01 ~]$ `. */
  kokoAsset: `\\[[A-Za-z0-9._-]+@[A-Za-z0-9._-]+ ${W}\\]\\$ $`,
  /** After an asset's session ends (one key, no Enter). */
  kokoPressKey: 'Press any key to continue\\.\\.\\.$',
  /** The bash of a columns host: `[ops@node-17 ~]$ `. */
  columnsHost: `\\[ops@node-\\d\\d ${W}\\]\\$ $`,
  /** The bash of a cjk host: `[ops@cjk-7 ~]$ `. */
  cjkHost: `\\[ops@cjk-\\d ${W}\\]\\$ $`,
  netcliUser: 'router01>$',
  netcliEnable: 'router01#$',
  netcliPassword: 'Password: $',
  netcliMore: ' --More-- $',
  /** The master's bash pod: `[pod:bash-pod ~]$ `. */
  bashPod: `\\[pod:bash-pod ${W}\\]\\$ $`,
  /** The master's busybox ash pod: `/ # ` (its folder shows as `/`). */
  ashPod: '(?:^|\\n)/[^\\n]* # $',
} as const;

/** The RFC 6238 TOTP code (HMAC-SHA-1, 6 digits, 30 s) of a base32 seed at `at` (ms). */
export function totp(seed: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of seed.toUpperCase().replace(/[\s=]/g, '')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(value >>> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** `SHA256:...` of an SSH public key blob (what ssh-keygen -lf and ssh2's hostVerifier see). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The folder of the lab's scripts: this module's folder, from sources or from the build. */
function scriptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'lab', 'openssh');
    const parent = dirname(dir);
    if (parent === dir) return dirname(fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Pids of live processes whose environment holds `marker` (Linux /proc; ours to read). */
export function processesCarrying(marker: string): number[] {
  const found: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(marker)) {
        found.push(Number(name));
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * The listener, its descendants, and every process carrying the marker. The listener's pid is
 * used only while node has not reaped it (until then no other process can have that pid).
 */
function labProcesses(sshd: ChildProcess, marker: string): number[] {
  const pids = new Set(processesCarrying(marker));
  const unreaped = sshd.exitCode === null && sshd.signalCode === null;
  if (unreaped && sshd.pid !== undefined) for (const pid of processTree(sshd.pid)) pids.add(pid);
  return [...pids];
}

/**
 * Stops every process of the lab without a race against forks: SIGSTOP what is found until a
 * look finds nothing new (a stopped process cannot fork), then SIGKILL them all.
 */
function freezeAndKill(sshd: ChildProcess, marker: string): number[] {
  const stopped = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const fresh = labProcesses(sshd, marker).filter((pid) => !stopped.has(pid));
    if (fresh.length === 0) break;
    signalAll(fresh, 'SIGSTOP');
    for (const pid of fresh) stopped.add(pid);
  }
  signalAll(stopped, 'SIGKILL');
  return [...stopped];
}

/** Labs still open: killed synchronously if the process exits without closing them. */
const openLabs = new Map<string, { marker: string; sshd: ChildProcess; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of openLabs.values()) {
      freezeAndKill(lab.sshd, lab.marker);
      rmSync(lab.dir, { recursive: true, force: true });
    }
  });
}

/**
 * Why a non-root sshd cannot hand out PTYs here, if it cannot: it chowns each new /dev/pts/N to
 * the `tty` group, which only root may do, unless devpts is mounted with `gid=<tty>` (the
 * usual mount; some containers mount it without) so that the PTY already has that group.
 */
function nonRootPtyProblem(): string | undefined {
  if (isRoot) return undefined;
  let ttyGid: string | undefined;
  let mounts: string;
  try {
    ttyGid = /^tty:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1];
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  if (ttyGid === undefined) return undefined;
  const devpts = mounts.split('\n').find((line) => line.split(' ')[1] === '/dev/pts');
  if (!devpts) return undefined;
  const options = devpts.split(' ')[3]?.split(',') ?? [];
  if (options.includes(`gid=${ttyGid}`)) return undefined;
  return (
    `as a non-root user, sshd cannot give sessions a PTY here: /dev/pts is mounted without ` +
    `gid=${ttyGid} (the tty group), so sshd's chown of each PTY fails and the session dies. ` +
    `Run the tests as root, or remount devpts with gid=${ttyGid},mode=620`
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A value single-quoted for the forced command of authorized_keys (itself in double quotes). */
function quoted(value: string): string {
  if (/['"\\\n]/.test(value)) {
    throw new Error(
      `gatewalk openssh lab: the path ${JSON.stringify(value)} holds a quote, a backslash or ` +
        'a newline, which the lab cannot put in authorized_keys; move it (or set TMPDIR)',
    );
  }
  return `'${value}'`;
}

function versionAtLeast(sshdPath: string, major: number, minor: number): Promise<boolean> {
  // `sshd -V` prints "OpenSSH_9.2, OpenSSL ..." (to stderr) and exits non-zero on older ones.
  return new Promise((resolve) => {
    execFile(sshdPath, ['-V'], (_err, stdout, stderr) => {
      const m = /OpenSSH_(\d+)\.(\d+)/.exec(`${stdout}${stderr}`);
      if (!m) return resolve(false);
      const [maj, min] = [Number(m[1]), Number(m[2])];
      resolve(maj > major || (maj === major && min >= minor));
    });
  });
}

const q = (text: string) => `'${text}'`;

/** The rc files of each entry's home (file name relative to the home -> content). */
function rcFiles(dir: string): Partial<Record<EntryName, Record<string, string>>> {
  const history = [
    'HISTFILE=$HOME/.bash_history',
    'HISTSIZE=1000',
    'HISTFILESIZE=1000',
    "PROMPT_COMMAND='history -a'",
  ];
  const bashrc = (...lines: string[]) => ({ '.bashrc': `${lines.join('\n')}\n` });
  const bash = [`PS1=${q('[bash \\W]\\$ ')}`, 'unset HISTCONTROL', ...history];
  return {
    bash: bashrc(...bash),
    'bash-readonly-hist': bashrc(
      `PS1=${q('[bash \\W]\\$ ')}`,
      'HISTCONTROL=ignoredups',
      'readonly HISTCONTROL',
      ...history,
    ),
    'bash-vi': bashrc(...bash, 'set -o vi'),
    'bash-nounset': bashrc(...bash, 'set -u'),
    'bash-errexit': bashrc(...bash, 'set -e'),
    'bash-traps': bashrc(
      `PS1=${q('[bash \\W]\\$ ')}`,
      'unset HISTCONTROL',
      ...history.slice(0, 3),
      `trap 'printf "%s\\n" "$BASH_COMMAND" >> ~/.audit' DEBUG`,
      `PROMPT_COMMAND='printf "\\033]0;%s\\007" "$PWD"; history -a'`,
    ),
    'bash-multiline': bashrc(
      `PS1=${q('\\n\\u@multiline \\w\\n\\$ ')}`,
      'unset HISTCONTROL',
      ...history,
    ),
    'bash-tmux': {
      // tmux starts its shell as a login shell, which reads .bash_profile, not .bashrc.
      '.bash_profile': '. ~/.bashrc\n',
      '.bashrc': [
        'if [ -z "${TMUX:-}" ]; then',
        `  exec tmux -S ${quoted(join(dir, 'tmux-bash.sock'))} -f ~/.tmux.conf new-session`,
        'fi',
        `PS1=${q('[tmux \\W]\\$ ')}`,
        'unset HISTCONTROL',
        ...history,
        '',
      ].join('\n'),
      // No periodic status-line redraw (its clock) after the prompt: waits stay deterministic.
      '.tmux.conf': 'set -g status-interval 0\n',
    },
    'bash-screen': {
      // GNU screen from .bashrc, its sockets in the lab's folder (SCREENDIR must be 0700).
      '.bashrc': [
        'if [ -z "${STY:-}" ]; then',
        `  export SCREENDIR=${quoted(join(dir, 'screen'))}`,
        '  mkdir -p -m 700 "$SCREENDIR"',
        '  exec screen -q -c ~/.screenrc',
        'fi',
        `PS1=${q('[screen \\W]\\$ ')}`,
        'unset HISTCONTROL',
        ...history,
        '',
      ].join('\n'),
      '.screenrc': 'startup_message off\nhardstatus off\n',
    },
    master: bashrc(`PS1=${q('[root@master \\W]$ ')}`),
    'app-shell': bashrc(`PS1=${q('app@app-server:\\w$ ')}`),
    jump: bashrc(`PS1=${q('[jump \\W]$ ')}`),
    dash: { '.dashrc': `PS1=${q('[dash]$ ')}\n` },
    // busybox's `\w` abbreviates the passwd home, not $HOME: the home becomes `~` here, so the
    // prompt reads `[ash ~]# ` (`$` for non-root) wherever the lab's folder is.
    ash: {
      '.ashrc': `PS1=${q('[ash $(case $PWD in "$HOME" | "$HOME"/*) echo "~${PWD#"$HOME"}" ;; *) echo "$PWD" ;; esac)]\\$ ')}\n`,
    },
    mksh: { '.mkshrc': `PS1=${q('[mksh]$ ')}\n` },
    // Empty, so that zsh-newuser-install does not start: the prompt stays Debian's `%m%# `.
    zsh: { '.zshrc': '' },
    'zsh-themed': {
      '.zshrc': [
        `PROMPT=${q('%F{green}%n@zsh%f %1~ %# ')}`,
        `RPROMPT=${q('%F{yellow}[%?]%f')}`,
        'HISTFILE=$ZDOTDIR/.zsh_history',
        'SAVEHIST=1000',
        'HISTSIZE=1000',
        'setopt INC_APPEND_HISTORY',
        '',
      ].join('\n'),
    },
    fish: {
      '.config/fish/config.fish': 'set -g fish_greeting\n',
      // Its presence stops fish's first start from generating completions from every man page
      // in the background (a python3 process that would outlive the session).
      '.local/share/fish/generated_completions/.keep': '',
    },
    tcsh: { '.tcshrc': `set prompt=${q('[tcsh]> ')}\n` },
  };
}

async function keygen(file: string, comment: string): Promise<void> {
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

interface Started {
  sshd: ChildProcess;
  port: number;
}

/**
 * Starts sshd on a free port and resolves once it logs "Server listening" (event-driven: its -e
 * log is read as it comes). A port taken between the probe and the bind is retried.
 */
async function startSshd(
  sshdPath: string,
  dir: string,
  config: (port: number) => string,
  env: NodeJS.ProcessEnv,
  onPort: (port: number) => void,
): Promise<Started> {
  const logFile = join(dir, 'sshd.log');
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    onPort(port);
    const configFile = join(dir, 'sshd_config');
    writeFileSync(configFile, config(port));
    const sshd = spawn(sshdPath, ['-D', '-e', '-f', configFile], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const outcome = await new Promise<'up' | 'retry' | string>((resolve) => {
      let log = '';
      const timer = setTimeout(() => resolve(`sshd did not listen within 5 s:\n${log}`), 5000);
      const done = (result: string) => {
        clearTimeout(timer);
        resolve(result);
      };
      sshd.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        try {
          appendFileSync(logFile, text);
        } catch {
          // The lab's folder is being removed.
        }
        log += text;
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) done('up');
      });
      sshd.on('error', (err) => done(`sshd did not start: ${err.message}`));
      sshd.on('exit', (code) => {
        if (/Address already in use|Cannot bind any address/.test(log)) done('retry');
        else done(`sshd exited (status ${code}) before listening:\n${log}`);
      });
    });
    if (outcome === 'up') return { sshd, port };
    sshd.kill('SIGKILL');
    if (outcome !== 'retry') throw new Error(`gatewalk openssh lab: ${outcome}`);
    lastError = `port ${port} was taken`;
  }
  throw new Error(`gatewalk openssh lab: sshd could not bind a port (${lastError})`);
}

/**
 * Starts the lab: generated host and client keys, homes with their rc files, the
 * authorized_keys forcing each key's entry, and the system sshd on a free port of 127.0.0.1.
 * Throws, naming the programs and the `apt-get install -y ...` line, when one is missing.
 */
export async function startOpenSshLab(): Promise<OpenSshLab> {
  const missing = missingOpenSshLabPrograms();
  if (missing) {
    throw new Error(
      `gatewalk openssh lab: missing ${missing.programs.join(', ')}: install with ` +
        `\`${missing.install}\` (as root; .ci/run does it)`,
    );
  }
  const ptyProblem = nonRootPtyProblem();
  if (ptyProblem) throw new Error(`gatewalk openssh lab: ${ptyProblem}`);
  const sshdPath = findProgram('sshd') as string;
  const bashPath = findProgram('bash') as string;
  const scripts = scriptsDir();
  const dir = mkdtempSync(join(tmpdir(), 'gatewalk-openssh-'));
  const id = randomBytes(9).toString('base64url');
  const marker = `GW_OPENSSH_LAB=${id}`;
  const totpSeed = base32(randomBytes(20));
  const knownHosts = join(dir, 'known_hosts');
  const keysDir = join(dir, 'keys');
  const events = join(dir, 'events.log');
  try {
    quoted(dir);
    quoted(scripts);
    quoted(process.execPath);
    if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    for (const sub of ['keys', 'home', 'assets', 'pods', 'bin']) mkdirSync(join(dir, sub));
    writeFileSync(events, '');

    // Keys: the host key, one per entry, one for koko's internal target.
    const clients = [...ENTRY_NAMES, KOKO_TARGET];
    await Promise.all([
      keygen(join(keysDir, 'host_ed25519'), 'gatewalk-openssh-lab host'),
      ...clients.map((entry) => keygen(join(keysDir, entry), `gatewalk-openssh-lab ${entry}`)),
    ]);

    // Homes and their rc files; the pods' folders; the master's kubectl.
    const rc = rcFiles(dir);
    for (const entry of ENTRY_NAMES) {
      const home = join(dir, 'home', entry);
      mkdirSync(home);
      for (const [file, content] of Object.entries(rc[entry] ?? {})) {
        mkdirSync(dirname(join(home, file)), { recursive: true });
        writeFileSync(join(home, file), content);
      }
    }
    for (const pod of ['bash-pod', 'ash-pod']) {
      mkdirSync(join(dir, 'pods', pod, 'var', 'log'), { recursive: true });
      writeFileSync(join(dir, 'pods', pod, 'var', 'log', 'app.log'), `${pod}: started\n`);
    }
    writeFileSync(
      join(dir, 'bin', 'kubectl'),
      `#!/bin/sh\nexec ${quoted(bashPath)} ${quoted(join(scripts, 'kubectl.sh'))} "$@"\n`,
      { mode: 0o755 },
    );

    // authorized_keys: each key forced to `bash entry.sh ENTRY` with the lab's settings.
    let authorized = '';
    for (const entry of clients) {
      const settings = [
        `GW_OPENSSH_LAB=${id}`,
        `GW_LAB_DIR=${dir}`,
        `GW_LAB_SCRIPTS=${scripts}`,
        `GW_LAB_PORT=%PORT%`,
        `GW_LAB_USER=${userName}`,
        `GW_NODE=${process.execPath}`,
        ...(entry === 'koko-mfa' ? [`GW_TOTP_SEED=${totpSeed}`] : []),
      ];
      const command = [
        'env',
        ...settings.map(quoted),
        quoted(bashPath),
        quoted(join(scripts, 'entry.sh')),
        entry,
      ].join(' ');
      const pub = readFileSync(join(keysDir, `${entry}.pub`), 'utf8').trim();
      authorized += `command="${command}",no-agent-forwarding,no-X11-forwarding,no-user-rc ${pub}\n`;
    }

    const hostPub = readFileSync(join(keysDir, 'host_ed25519.pub'), 'utf8').trim().split(' ');
    const fingerprint = fingerprintOf(Buffer.from(hostPub[1] ?? '', 'base64'));
    const penalties = (await versionAtLeast(sshdPath, 9, 8)) ? ['PerSourcePenalties no'] : [];

    const config = (port: number) =>
      [
        '# gatewalk real-OpenSSH conformance lab (generated; removed with the lab)',
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        'AddressFamily inet',
        `HostKey "${join(keysDir, 'host_ed25519')}"`,
        `PidFile "${join(dir, 'sshd.pid')}"`,
        `AuthorizedKeysFile "${join(dir, 'authorized_keys')}"`,
        `AllowUsers ${userName}`,
        'StrictModes no',
        'UsePAM no',
        'PubkeyAuthentication yes',
        'AuthenticationMethods publickey',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'HostbasedAuthentication no',
        'PermitRootLogin prohibit-password',
        'PermitUserEnvironment no',
        'PermitUserRC no',
        // SHLVL=1: the user's login shell runs each forced command (`$SHELL -c ...`), and
        // Debian's bash, seeing SSH_CLIENT at shell level 1, would first source the user's own
        // ~/.bashrc (its output, its cost: 0.4 s with pyenv here). At level 2 it does not.
        `SetEnv ${marker} SHLVL=1`,
        'AcceptEnv GW_* KOKO_PAGE_SIZE',
        // Local forwarding to loopback only: enough for a jump host (ssh -J, a profile's via).
        'AllowTcpForwarding local',
        'PermitOpen 127.0.0.1:* localhost:*',
        'AllowAgentForwarding no',
        'AllowStreamLocalForwarding no',
        'X11Forwarding no',
        'PermitTunnel no',
        'PermitTTY yes',
        'PrintMotd no',
        'PrintLastLog no',
        'UseDNS no',
        'MaxStartups 100:30:200',
        'MaxSessions 100',
        'LoginGraceTime 30',
        'LogLevel INFO',
        ...penalties,
        '',
      ].join('\n');

    const { sshd, port } = await startSshd(
      sshdPath,
      dir,
      config,
      // sshd and its per-connection children carry the marker; sessions get it from SetEnv.
      { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', GW_OPENSSH_LAB: id },
      (candidate) => {
        writeFileSync(
          join(dir, 'authorized_keys'),
          authorized.replaceAll('%PORT%', String(candidate)),
        );
        writeFileSync(knownHosts, `[127.0.0.1]:${candidate} ${hostPub[0]} ${hostPub[1]}\n`);
      },
    );
    const exited = new Promise<void>((resolve) => {
      if (sshd.exitCode !== null || sshd.signalCode !== null) resolve();
      else sshd.once('exit', () => resolve());
    });
    openLabs.set(id, { marker, sshd, dir });
    installExitHook();

    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
      // Sessions outlive the listener (and tmux servers their sessions): stop and kill the
      // listener's tree and everything carrying the marker, until a look finds none.
      for (let round = 0; round < 10; round++) {
        const killed = freezeAndKill(sshd, marker);
        if (killed.length === 0) break;
        await waitForExit(killed, 3000);
      }
      sshd.kill('SIGKILL');
      await exited;
      openLabs.delete(id);
      rmSync(dir, { recursive: true, force: true });
    };

    return {
      host: '127.0.0.1',
      port,
      user: userName,
      fingerprint,
      knownHosts,
      totpSeed,
      dir,
      marker,
      key: (entry) => join(keysDir, entry),
      home: (entry) => join(dir, 'home', entry),
      events: () => {
        try {
          return readFileSync(events, 'utf8').split('\n').filter(Boolean);
        } catch {
          return [];
        }
      },
      processes: () => labProcesses(sshd, marker),
      sshdLog: () => {
        try {
          return readFileSync(join(dir, 'sshd.log'), 'utf8');
        } catch {
          return '';
        }
      },
      close: () => (closing ??= close()),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
