// The entries of the real-OpenSSH conformance lab (gateway scripts and shells) and the prompts
// each one waits at, computed for the current user and host name.
import { hostname, userInfo } from 'node:os';

/** The gateways: menus, a CLI, a master with pods, jump and app hosts. */
const GATEWAY_ENTRIES = [
  'koko',
  'koko-mfa',
  'koko-idle',
  'columns',
  'cjk',
  'netcli',
  'master',
  'app-shell',
  'jump',
] as const;

/** The entries that are plain interactive shells (each reaches its prompt and runs commands). */
export const SHELL_ENTRIES = [
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

export const ENTRY_NAMES = [...GATEWAY_ENTRIES, ...SHELL_ENTRIES] as const;

export type EntryName = (typeof ENTRY_NAMES)[number];

/** The internal entry koko's menu connects to with the real ssh client (an asset's shell). */
export const KOKO_TARGET = 'koko-target';

const hostShort = hostname().split('.')[0] ?? hostname();
/** The current user's name: every entry logs in as it. */
export const userName = userInfo().username;
export const isRoot = process.getuid?.() === 0;
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
