// The allow-list behind read_only (read-only.ts): commands known to only read, and for those
// that can also write (an option, a script, a subcommand), the check of their arguments. A
// command not named here is refused. A check returns what it refuses, shown to the agent
// (`sed w`, `find -delete`, `kubectl delete`), or null.

import {
  awk,
  bare,
  curl,
  options,
  refuseOptions,
  sed,
  sql,
  uses,
  verbs,
  wget,
  type Check,
} from './read-only-args.js';

export { sedScript } from './read-only-args.js';

/** Commands that read whatever their arguments: none of their options writes or runs anything. */
export const FREE = new Set(
  (
    'ls dir vdir cat tac head tail grep egrep fgrep rgrep zgrep zegrep zfgrep zcat bzcat xzcat ' +
    'zstdcat wc stat du df free uptime uname whoami id groups who w users last lastb ps pgrep ' +
    'pidof pstree vmstat iostat mpstat pidstat netstat lsof lsblk findmnt printenv cal echo ' +
    'printf true false test [ [[ pwd cd pushd popd dirs which type whereis readlink realpath ' +
    'basename dirname md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum sum ' +
    'base64 base32 od hexdump strings nl cut paste join comm column fold fmt expand unexpand ' +
    'rev seq yes sleep jq diff diff3 cmp getent locale tty nproc arch lscpu lsmem lspci lsusb ' +
    'lsmod getconf dig host nslookup ping ping6 traceroute tracepath namei lsattr getfacl expr ' +
    'factor numfmt tr pr wait jobs :'
  ).split(' '),
);

/** Commands that change a system whatever their arguments: refused as modifying, by name. */
export const WRITERS = new Set(
  (
    'rm rmdir unlink mv cp dd truncate shred chmod chown chgrp chattr ln mkdir mkfifo mknod ' +
    'touch install patch kill pkill killall reboot shutdown halt poweroff useradd userdel ' +
    'usermod groupadd groupdel passwd chpasswd mount umount split csplit setsid sponge rsync ' +
    'scp wipefs fdisk parted mkswap swapon swapoff iptables nft'
  ).split(' '),
);

function find(args: string[]): string | null {
  for (const a of args) {
    if (/^-(delete|fprint0?|fprintf|fls)$/.test(a)) return `find ${a}`;
  }
  return null; // -exec and -ok are checked as wrappers (read-only.ts)
}

const PAGER_LIKE =
  /^(less|more|most|pg|vi|vim|nvim|view|nano|emacs|man|htop|iotop|watch|screen|tmux)$/;

/** git: read subcommands, no `-c` (aliases and pagers run commands), no `--output`. */
function git(args: string[]): string | null {
  const o = options(args, 'Cc', ['--git-dir', '--work-tree', '--namespace', '--exec-path']);
  if (o.short.has('c') || o.long.has('--config-env')) return 'git -c';
  if (o.long.has('--output') || o.long.has('--open-files-in-pager') || o.short.has('O'))
    return 'git --output';
  const [verb, ...rest] = o.positionals;
  const read =
    'log show status diff blame rev-parse rev-list ls-files ls-tree ls-remote cat-file describe ' +
    'shortlog grep whatchanged name-rev merge-base cherry count-objects version help';
  if (verb === undefined || read.split(' ').includes(verb)) return null;
  const sub = rest[0];
  // The verb's own words, options included (the positionals above have none).
  const after = args.slice(args.indexOf(verb) + 1);
  const list = (allowed: string) =>
    sub === undefined || allowed.split(' ').includes(sub) ? null : `git ${verb} ${sub}`;
  if (verb === 'stash')
    return sub === 'list' || sub === 'show' ? null : `git stash ${sub ?? ''}`.trimEnd();
  if (verb === 'worktree') return list('list');
  if (verb === 'submodule') return list('status summary');
  if (verb === 'reflog') return list('show');
  if (verb === 'remote')
    return rest.length <= 1 && (sub === undefined || sub === 'show' || sub === 'get-url')
      ? null
      : `git remote ${sub}`;
  if (verb === 'branch' || verb === 'tag') {
    const flags = new Set([
      '-a',
      '-r',
      '-v',
      '-vv',
      '-l',
      '--list',
      '--all',
      '--remotes',
      '--contains',
      '--merged',
      '--no-merged',
      '--sort',
      '--points-at',
      '-n',
    ]);
    const listing = after.some((a) => a === '-l' || a === '--list');
    const ok = after.every(
      (a) => flags.has(a.split('=')[0] as string) || (listing && !a.startsWith('-')),
    );
    const positional = after.some((a) => !a.startsWith('-'));
    return ok && (!positional || listing) ? null : `git ${verb} ${after.join(' ')}`.trimEnd();
  }
  if (verb === 'config') {
    const gets = ['--get', '--get-all', '--get-regexp', '--get-urlmatch', '-l', '--list'];
    if (sub === 'get' || sub === 'list') return null;
    const writes = ['--add', '--unset', '--unset-all', '--replace-all', '--edit', '-e'];
    const reads = after.some((a) => gets.includes(a)) && !after.some((a) => writes.includes(a));
    return reads ? null : 'git config';
  }
  return `git ${verb}`;
}

const KUBE_GLOBAL = (
  '--namespace --context --kubeconfig --cluster --user --server --token --as --as-group ' +
  '--request-timeout --selector --output --container'
).split(' ');
/** kubectl and oc: read verbs; `rollout` and `config` only for their read subcommands. */
function kubectl(name: string): Check {
  const read = new Set(
    'get describe logs top explain api-resources api-versions version cluster-info events wait auth diff'.split(
      ' ',
    ),
  );
  return (args) => {
    const o = options(args, 'nslcoLf', KUBE_GLOBAL);
    const [verb, sub] = o.positionals;
    if (verb === undefined) return null;
    if (o.long.has('--output-directory')) return `${name} --output-directory`;
    if (read.has(verb)) return null;
    if (verb === 'rollout')
      return sub === 'status' || sub === 'history'
        ? null
        : `${name} rollout ${sub ?? ''}`.trimEnd();
    if (verb === 'config') {
      const looks = 'view get-contexts current-context get-clusters get-users'.split(' ');
      return sub !== undefined && looks.includes(sub)
        ? null
        : `${name} config ${sub ?? ''}`.trimEnd();
    }
    return `${name} ${verb}`;
  };
}

/** docker, podman, crictl: listing and inspecting, also under `container`/`image`/... groups. */
function containers(name: string): Check {
  const read = new Set(
    'ps images inspect logs stats top version info history port diff events ls list df pods'.split(
      ' ',
    ),
  );
  const groups = new Set(['container', 'image', 'volume', 'network', 'system', 'compose']);
  return (args) => {
    const o = options(args, 'Hcl', ['--host', '--context', '--config', '--log-level']);
    const [first, second] = o.positionals;
    const verb = first !== undefined && groups.has(first) ? second : first;
    return verb === undefined || read.has(verb) ? null : `${name} ${verb}`;
  };
}

/** gzip and friends: only to standard output (-c), listing (-l) or testing (-t). */
const compressor = (name: string) => (args: string[]) => {
  const o = options(args, 'SoLb', ['--suffix']);
  if (o.short.has('o')) return `${name} -o`;
  return ['c', 'l', 't'].some((c) => o.short.has(c)) ||
    ['--stdout', '--to-stdout', '--list', '--test'].some((l) => o.long.has(l))
    ? null
    : name;
};

/** tar: only listing an archive (`tar -tzf a.tgz`, `tar tvf a.tar`). */
function tar(args: string[]): string | null {
  const first = args[0] ?? '';
  const list = /^[tvfzjJ]+$/.test(first) ? ['-' + first, ...args.slice(1)] : args;
  const o = options(list, 'f', ['--file']);
  const other = [...o.short].filter((c) => !'tvfzjJ'.includes(c));
  const longs = [...o.long].filter(
    (l) => !['--list', '--file', '--gzip', '--bzip2', '--xz', '--verbose'].includes(l),
  );
  return (o.short.has('t') || o.long.has('--list')) && other.length === 0 && longs.length === 0
    ? null
    : 'tar (not a listing)';
}

/** Package tools: only their subcommands that look. */
const packages: Record<string, string> = {
  apt: 'list search show showsrc policy depends rdepends madison',
  'apt-cache': 'search show showpkg showsrc policy depends rdepends madison stats dump pkgnames',
  'apt-get': 'check changelog',
  yum: 'list info search provides repolist check-update deplist',
  dnf: 'list info search provides repolist check-update repoquery',
  apk: 'info search list policy version stats dot',
  pip: 'list show freeze check search help index inspect',
  pip3: 'list show freeze check search help index inspect',
  npm: 'ls list view info outdated root prefix bin help search explain',
  helm: 'list ls status history get show search env verify lint',
};

export const CHECKED: Record<string, Check> = {
  sed,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
  find,
  git,
  curl,
  wget,
  tar,
  kubectl: kubectl('kubectl'),
  oc: kubectl('oc'),
  docker: containers('docker'),
  podman: containers('podman'),
  crictl: containers('crictl'),
  psql: sql('psql', 'c', '--command'),
  mysql: sql('mysql', 'e', '--execute'),
  mariadb: sql('mariadb', 'e', '--execute'),
  sort: refuseOptions('sort', 'o', ['--output', '--compress-program'], 'kotST', ['--output']),
  shuf: refuseOptions('shuf', 'o', ['--output'], 'oinr', ['--output']),
  sdiff: refuseOptions('sdiff', 'o', ['--output'], 'ow', ['--output']),
  tree: refuseOptions('tree', 'o', [], 'oLIP'),
  file: refuseOptions('file', 'C', ['--compile']),
  rg: refuseOptions('rg', '', ['--pre']),
  yq: refuseOptions('yq', 'i', ['--inplace']),
  dmesg: refuseOptions('dmesg', 'cCDEn', [
    '--clear',
    '--read-clear',
    '--console-off',
    '--console-on',
    '--console-level',
  ]),
  journalctl: refuseOptions('journalctl', '', [
    '--vacuum-size',
    '--vacuum-time',
    '--vacuum-files',
    '--rotate',
    '--flush',
    '--sync',
    '--relinquish-var',
    '--smart-relinquish-var',
    '--setup-keys',
    '--update-catalog',
  ]),
  ss: refuseOptions('ss', 'KD', ['--kill', '--diag']),
  sar: refuseOptions('sar', 'o', []),
  lastlog: refuseOptions('lastlog', 'CS', ['--clear', '--set']),
  tee: (args) => (options(args).positionals.every((f) => f === '/dev/null') ? null : 'tee'),
  uniq: (args) =>
    options(args, 'fsw').positionals.length <= 1 ? null : 'uniq (writes its output file)',
  xxd: (args) =>
    options(args, 'cglosC').positionals.length <= 1 ? null : 'xxd (writes its output file)',
  date: (args) => {
    const o = options(args, 'dfrsI', ['--date', '--file', '--reference', '--set']);
    if (o.short.has('s') || o.long.has('--set')) return 'date -s';
    return o.positionals.every((p) => p.startsWith('+')) ? null : 'date (sets the clock)';
  },
  hostname: (args) => {
    const o = options(args, 'F', ['--file']);
    return o.positionals.length === 0 && !o.short.has('F') && !o.short.has('b')
      ? null
      : 'hostname (sets it)';
  },
  sysctl: (args) => {
    const o = options(args, 'p', ['--load']);
    const hit = uses(o, 'wp', ['--write', '--load', '--system']);
    return hit
      ? `sysctl ${hit}`
      : o.positionals.some((p) => p.includes('='))
        ? 'sysctl (sets a value)'
        : null;
  },
  mount: (args) => (options(args, 't').positionals.length === 0 ? null : 'mount'),
  ifconfig: (args) => (options(args).positionals.length <= 1 ? null : 'ifconfig (configures)'),
  route: (args) => (options(args).positionals.length === 0 ? null : 'route (changes routes)'),
  arp: refuseOptions('arp', 'dsf', ['--delete', '--set', '--file'], 'iHf'),
  top: (args) =>
    options(args, 'dnpuUowE').short.has('b')
      ? null
      : 'top (interactive, can kill: use top -b -n 1)',
  read: refuseOptions('read', 'nNdeku', [], 'nNdpatuk'),
  history: (args) => (args.every((a) => /^\d+$/.test(a)) ? null : `history ${args[0]}`),
  ip: (args) => {
    // ip's options are whole words (`-br`, `-json`); a few take a value.
    const positionals: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (/^-(b|batch|force)$/.test(a)) return 'ip -batch';
      if (/^-(f|family|n|netns|rc|rcvbuf)$/.test(a)) i += 1;
      else if (!a.startsWith('-')) positionals.push(a);
    }
    const [object, verb] = positionals;
    if (object === 'netns' && verb !== undefined && verb !== 'list') return `ip netns ${verb}`;
    return verb === undefined || /^(s|sh|sho|show|l|li|lis|list|ls|lst|get|help)$/.test(verb)
      ? null
      : `ip ${object} ${verb}`;
  },
  systemctl: verbs(
    'systemctl',
    'status show cat list-units list-unit-files list-timers list-sockets list-dependencies list-jobs list-machines is-active is-enabled is-failed is-system-running get-default help show-environment',
    'tpHMnos',
    ['--type', '--property', '--host', '--machine', '--lines', '--output', '--state'],
  ),
  service: (args) =>
    args.includes('--status-all') || (args.length === 2 && args[1] === 'status') ? null : 'service',
  crontab: (args) => {
    // Only -l (with -u USER): -e, -r, a file or `-` replace or edit the table.
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-u') i += 1;
      else if (args[i] !== '-l') return `crontab ${args[i] ?? ''}`;
    }
    return args.includes('-l') ? null : 'crontab';
  },
  rpm: (args) => {
    const o = options(args, 'f', []);
    return (o.short.has('q') || o.short.has('V')) &&
      !uses(o, 'iUeF', [
        '--import',
        '--setperms',
        '--setugids',
        '--rebuilddb',
        '--initdb',
        '--restore',
        '--erase',
        '--install',
        '--upgrade',
        '--freshen',
      ])
      ? null
      : 'rpm (not a query)';
  },
  dpkg: (args) =>
    args.length > 0 &&
    args.every(
      (a, i) =>
        i > 0 ||
        /^(-[lLsSp]|--(list|listfiles|status|search|print-avail|get-selections|print-architecture))$/.test(
          a,
        ),
    )
      ? null
      : 'dpkg',
  'dpkg-query': () => null,
  gzip: compressor('gzip'),
  gunzip: compressor('gunzip'),
  bzip2: compressor('bzip2'),
  bunzip2: compressor('bunzip2'),
  xz: compressor('xz'),
  unxz: compressor('unxz'),
  zstd: compressor('zstd'),
  alias: bare('alias'),
  export: bare('export'),
  set: bare('set'),
  ...Object.fromEntries(
    Object.entries(packages).map(([name, looks]) => [
      name,
      verbs(
        name,
        looks,
        name === 'helm' ? 'n' : '',
        name === 'helm'
          ? ['--namespace', '--kube-context', '--kubeconfig']
          : ['--prefix', '--workspace'],
      ),
    ]),
  ),
};

/** Pagers, editors and full-screen tools: their keys run shells and write files. */
export function interactive(name: string): boolean {
  return PAGER_LIKE.test(name);
}
