// A profile's `policy:` applied to what an agent asks for at the last hop. It is a guard rail
// against accidents, not a sandbox: a command is judged by its text before it is sent (see
// shell-words.ts for what the tokenizer understands) against a built-in list of commands known
// to change a system. Anyone who means to get past it can: a script file, `python -c`, an
// alias or function, `ssh other-host rm ...`, `psql -f`, SQL piped into a client, a command
// word built from variables. What it catches is the everyday slip of running `rm`,
// `kubectl delete` or `> file` on the wrong box.

import type { ResolvedProfile } from '../profiles/types.js';
import { simpleCommands, type Redirect } from './shell-words.js';

export interface PolicyRefusal {
  rule: 'read_only' | 'deny';
  /** The deny pattern that matched. */
  pattern?: string;
  message: string;
}

type Policy = ResolvedProfile['policy'];

/** Words that run the command after them: options with an argument, positionals to skip. */
const WRAPPERS: Record<string, { withArg: string[]; positionals?: number; query?: string[] }> = {
  sudo: {
    withArg: ['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '-R', '--user'],
  },
  env: { withArg: ['-u', '-C', '--unset', '--chdir'] },
  nohup: { withArg: [] },
  busybox: { withArg: [] }, // `busybox rm x`: the applet is the command
  time: { withArg: ['-f', '-o'] },
  command: { withArg: [], query: ['-v', '-V'] },
  exec: { withArg: ['-a'] },
  nice: { withArg: ['-n', '--adjustment'] },
  timeout: { withArg: ['-s', '-k', '--signal', '--kill-after'], positionals: 1 },
  xargs: { withArg: ['-I', '-n', '-P', '-d', '-L', '-s', '-a', '-E'] },
};
const KEYWORDS = new Set(['!', '{', '}', 'if', 'then', 'else', 'elif', 'do', 'while', 'until']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** The command a simple command runs: wrappers, keywords and assignments skipped. */
function commandWords(words: string[]): string[] | null {
  let i = 0;
  while (i < words.length) {
    const word = words[i] as string;
    if (ASSIGNMENT.test(word) || KEYWORDS.has(word)) {
      i += 1;
      continue;
    }
    const wrapper = WRAPPERS[baseName(word)];
    if (!wrapper) break;
    for (i += 1; i < words.length && (words[i] as string).startsWith('-');) {
      const option = words[i] as string;
      i += 1;
      if (option === '--') break;
      if (wrapper.query?.includes(option)) return null; // `command -v rm` only looks rm up
      if (wrapper.withArg.includes(option)) i += 1;
    }
    i += wrapper.positionals ?? 0;
  }
  return words.slice(i);
}

function baseName(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** The first argument that is not an option (nor an option's argument): a subcommand. */
function subcommand(args: string[], withArg: string[] = []): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-')) return arg;
    if (withArg.includes(arg)) i += 1;
  }
  return undefined;
}

/**
 * Whether a short-option cluster (`-ni`, `-pi.bak`) holds `letter`, reading up to a letter that
 * takes the rest of the word as its argument (`-es/i/x/` is a script, not `-i`).
 */
function hasShortOption(args: string[], letter: string, long: string, argLetters: string): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === long || arg.startsWith(`${long}=`)) return true;
    if (!/^-[^-]/.test(arg)) continue;
    for (const c of arg.slice(1)) {
      if (c === letter) return true;
      if (argLetters.includes(c) || !/[A-Za-z]/.test(c)) break;
    }
  }
  return false;
}

const ALWAYS = new Set(
  (
    'rm rmdir mv cp dd truncate shred chmod chown chgrp ln mkdir touch install patch kill pkill ' +
    'killall reboot shutdown halt poweroff useradd userdel usermod passwd mount umount'
  ).split(' '),
);
/** Package managers: refused except for subcommands that only look. */
const PACKAGE_LOOKS: Record<string, string[]> = {
  apt: ['list', 'search', 'show', 'showsrc', 'policy', 'depends', 'rdepends', 'madison'],
  'apt-get': ['check', 'changelog'],
  yum: ['list', 'info', 'search', 'provides', 'repolist', 'check-update', 'deplist'],
  dnf: ['list', 'info', 'search', 'provides', 'repolist', 'check-update', 'repoquery'],
  apk: ['info', 'search', 'list', 'policy', 'version', 'stats', 'dot'],
  pip: ['list', 'show', 'freeze', 'check', 'search', 'help', 'index', 'inspect'],
  pip3: ['list', 'show', 'freeze', 'check', 'search', 'help', 'index', 'inspect'],
};
const SUBCOMMANDS: Record<string, { withArg: string[]; verbs: string[] }> = {
  systemctl: {
    withArg: ['-t', '-p', '-H', '-M', '-n', '-o', '-s'],
    verbs: (
      'start stop restart reload enable disable mask unmask kill try-restart reload-or-restart ' +
      'isolate daemon-reload edit set-property reboot poweroff halt'
    ).split(' '),
  },
  npm: {
    withArg: ['--prefix', '-w', '--workspace'],
    verbs: 'install i add ci uninstall un remove rm r update up upgrade link publish'.split(' '),
  },
  git: {
    withArg: ['-C', '-c', '--git-dir', '--work-tree', '--namespace'],
    verbs: (
      'commit push reset checkout merge rebase clean pull switch restore rm mv cherry-pick ' +
      'revert am apply clone init'
    ).split(' '),
  },
  kubectl: {
    withArg: (
      '-n --namespace --context --kubeconfig --cluster --user -s --server --token --as ' +
      '--as-group --request-timeout'
    ).split(' '),
    verbs: (
      'apply create delete edit patch replace scale rollout set label annotate drain cordon ' +
      'uncordon taint exec run expose autoscale cp'
    ).split(' '),
  },
  helm: {
    withArg: ['-n', '--namespace', '--kube-context', '--kubeconfig'],
    verbs: 'install upgrade uninstall delete rollback'.split(' '),
  },
};
const CONTAINER_VERBS = 'rm rmi run stop kill exec restart start create prune cp commit'.split(' ');
const CONTAINER_GROUPS = new Set(['container', 'image', 'volume', 'network', 'system']);
const SQL_WRITE = /\b(?:INSERT|UPDATE|DELETE|DROP|ALTER|TRUNCATE|CREATE|GRANT|REVOKE)\b/i;
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh']);
/** Where output may go without writing anything. */
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/** The values given to an option: `-c X`, `-cX`, `--command X`, `--command=X`. */
function optionValues(args: string[], short: string, long: string): string[] {
  const values: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === short || arg === long) values.push(args[i + 1] ?? '');
    else if (arg.startsWith(`${long}=`)) values.push(arg.slice(long.length + 1));
    else if (arg.startsWith(short) && !arg.startsWith('--')) values.push(arg.slice(short.length));
  }
  return values;
}

/** What in a command's words changes the remote, as words to show (`kubectl delete`), or null. */
function mutation(words: string[], depth = 0): string | null {
  const run = commandWords(words);
  if (!run || run.length === 0) return null;
  const name = baseName(run[0] as string);
  const args = run.slice(1);
  if (ALWAYS.has(name) || name.startsWith('mkfs')) return name;
  if (name === 'tee') {
    const files = args.filter((a) => !a.startsWith('-') && !HARMLESS_TARGETS.has(a));
    return files.length > 0 ? 'tee' : null;
  }
  if (name === 'service') {
    return args.some((a) => a === 'status' || a === '--status-all') ? null : 'service';
  }
  const looks = PACKAGE_LOOKS[name];
  if (looks) {
    const sub = subcommand(args);
    return sub === undefined || looks.includes(sub) ? null : `${name} ${sub}`;
  }
  const sub = SUBCOMMANDS[name];
  if (sub) {
    const verb = subcommand(args, sub.withArg);
    if (verb === undefined || !sub.verbs.includes(verb)) return null;
    if (name === 'kubectl' && verb === 'rollout') {
      const what = subcommand(args.slice(args.indexOf('rollout') + 1), sub.withArg);
      if (what === 'status' || what === 'history') return null;
    }
    return `${name} ${verb}`;
  }
  if (name === 'docker' || name === 'podman') {
    const withArg = ['-H', '--host', '-c', '--context', '--config', '-l', '--log-level'];
    let verb = subcommand(args, withArg);
    if (verb !== undefined && CONTAINER_GROUPS.has(verb)) {
      verb = subcommand(args.slice(args.indexOf(verb) + 1), withArg);
    }
    return verb !== undefined && CONTAINER_VERBS.includes(verb) ? `${name} ${verb}` : null;
  }
  if (name === 'crontab') {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (arg === '-u') i += 1;
      else if (arg === '-e' || arg === '-r' || !arg.startsWith('-') || arg === '-') {
        return `crontab ${arg}`;
      }
    }
    return null;
  }
  if (name === 'sed' && hasShortOption(args, 'i', '--in-place', 'efl')) return 'sed -i';
  if (name === 'perl' && hasShortOption(args, 'i', '--in-place', 'eEIlMmx0CdDF')) return 'perl -i';
  if (name === 'psql' || name === 'mysql' || name === 'mariadb') {
    const sql =
      name === 'psql'
        ? optionValues(args, '-c', '--command')
        : optionValues(args, '-e', '--execute');
    const verb = sql.map((s) => SQL_WRITE.exec(s)?.[0]).find((v) => v !== undefined);
    return verb === undefined ? null : `${name} ${verb.toUpperCase()}`;
  }
  if (name === 'find') {
    if (args.includes('-delete')) return 'find -delete';
    const exec = args.findIndex((a) => ['-exec', '-execdir', '-ok', '-okdir'].includes(a));
    return exec === -1 || depth > 3 ? null : mutation(args.slice(exec + 1), depth + 1);
  }
  // A command given to a shell as a string: its own commands count.
  const script = depth > 3 ? undefined : shellScript(name, args);
  for (const inner of script === undefined ? [] : simpleCommands(script)) {
    const found = redirectWrite(inner.redirects) ?? mutation(inner.words, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The command string `sh -c`, `bash -lc`, `su -c` or `eval` runs. */
function shellScript(name: string, args: string[]): string | undefined {
  if (name === 'eval') return args.join(' ');
  if (name === 'su') return optionValues(args, '-c', '--command')[0];
  if (!SHELLS.has(name)) return undefined;
  const at = args.findIndex((a) => /^-[A-Za-z]*c[A-Za-z]*$/.test(a));
  return at === -1 ? undefined : args[at + 1];
}

/** Output redirection to a file: `> out`, `>> log`, `2> err`, `&> all`, `>&file`, `<> rw`. */
function redirectWrite(redirects: Redirect[]): string | null {
  for (const { fd, op, target } of redirects) {
    if (op.startsWith('<') && op !== '<>') continue;
    if (op === '>&' && /^(?:\d+|-)$/.test(target)) continue; // 2>&1, >&-: no file
    if (HARMLESS_TARGETS.has(target)) continue;
    return `${fd}${op} ${target}`.trimEnd();
  }
  return null;
}

/** Refuses a command the profile's policy does not allow; null when it may run. */
export function checkCommand(
  policy: Policy,
  command: string,
  profileName: string,
): PolicyRefusal | null {
  for (const pattern of policy.deny) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern);
    } catch {
      // Patterns are compiled when profiles load; one that still does not compile refuses all.
      return {
        rule: 'deny',
        pattern,
        message:
          `profile "${profileName}" has a deny pattern that is not a valid regex (/${pattern}/), ` +
          'so it runs no command; fix the profile',
      };
    }
    if (regex.test(command)) {
      return {
        rule: 'deny',
        pattern,
        message:
          `profile "${profileName}" refuses this command: it matches /${pattern}/ in the ` +
          "profile's policy.deny; ask a person to run it, or use a profile whose policy allows it",
      };
    }
  }
  if (!policy.readOnly) return null;
  for (const simple of simpleCommands(command)) {
    const file = redirectWrite(simple.redirects);
    const found = file ?? mutation(simple.words);
    if (found) {
      return {
        rule: 'read_only',
        message:
          `profile "${profileName}" is read-only: \`${found}\` ` +
          `${file ? 'writes a file on' : 'modifies'} the remote; ` +
          'ask a person or use a profile without read_only',
      };
    }
  }
  return null;
}

/** Refuses write_file and uploads under read_only; `what` names the write (`upload app.tgz`). */
export function checkWrite(
  policy: Policy,
  profileName: string,
  what: string,
): PolicyRefusal | null {
  if (!policy.readOnly) return null;
  return {
    rule: 'read_only',
    message:
      `profile "${profileName}" is read-only: ${what} writes to the remote; ` +
      'ask a person or use a profile without read_only',
  };
}
