// read_only as an allow-list: a command line passes only when every simple command in it (those
// of substitutions, pipes, lists and `sh -c` strings included) is a command known to only read
// (read-only-commands.ts), in a form known to only read, with no output redirection to a file.
// Everything else is refused: an unknown command, a command name the shell would build (`$`,
// backticks, braces, globs, `$'...'`), an argument the shell would expand for a command whose
// arguments decide whether it writes, history expansion (`!`), a variable that changes what
// later commands run. It judges the text before it is sent; it is a guard rail for agents that
// mean well, not a sandbox (see the README).

import { CHECKED, FREE, WRITERS, interactive } from './read-only-commands.js';
import { hasHistoryExpansion, parseLine, type Redirect } from './shell-words.js';

export type FindingKind =
  | 'modifies'
  | 'writes_file'
  | 'unknown'
  | 'hidden'
  | 'expanded'
  | 'appended'
  | 'variable'
  | 'history'
  | 'incomplete'
  | 'interactive';

/** Why a command line is refused under read_only; `what` is shown between backticks. */
export interface ReadOnlyFinding {
  kind: FindingKind;
  what: string;
}

/** Where output may go without writing anything. */
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);
/** A command given with a path runs from one of these only (`/bin/ls`, not `./ls`). */
const SYSTEM_DIRS = new Set(['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin']);
/** Variables that may be set (alone or before a command): none decides what runs. */
const SAFE_VARIABLE = /^(?:LANG|LANGUAGE|LC_[A-Z]+|TZ|COLUMNS|LINES|TERM|NO_COLOR|KUBECONFIG)$/;
/** Lower-case names are plain variables, except these, which zsh gives a meaning. */
const ZSH_SPECIAL = new Set(
  'path cdpath fpath mailpath manpath module_path prompt psvar histchars watch fignore'.split(' '),
);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/;
const OPENERS = new Set(['if', 'while', 'until', 'for', '{']);
const CLOSERS = new Set(['fi', 'done', '}']);
const NEUTRAL = new Set(['!', 'then', 'else', 'elif', 'do']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

/** Words that run the command after them, and how they read their own options. */
interface Wrapper {
  /** Short options that take a value. */
  withArg: string;
  longWithArg?: string[];
  /** Short options that start a shell, edit, or write: refused. */
  refuse?: string;
  longRefuse?: string[];
  /** Options with which nothing runs (`command -v`). */
  lookOnly?: string;
  /** Positionals before the command (timeout's duration). */
  positionals?: number;
  /** The command gets arguments read_only cannot see (xargs). */
  appends?: boolean;
}
const WRAPPERS: Record<string, Wrapper> = {
  sudo: {
    withArg: 'ugpChDrtUTR',
    longWithArg: ['--user', '--group', '--prompt', '--host', '--chdir', '--role', '--type'],
    refuse: 'iseK',
    longRefuse: ['--login', '--shell', '--edit'],
  },
  env: {
    withArg: 'uC',
    longWithArg: ['--unset', '--chdir'],
    refuse: 'S',
    longRefuse: ['--split-string'],
  },
  nice: { withArg: 'n', longWithArg: ['--adjustment'] },
  ionice: { withArg: 'cn', refuse: 'pPu' },
  timeout: { withArg: 'sk', longWithArg: ['--signal', '--kill-after'], positionals: 1 },
  time: { withArg: 'f', refuse: 'oa', longRefuse: ['--output', '--append'] },
  command: { withArg: '', lookOnly: 'vV' },
  stdbuf: { withArg: 'ioe', longWithArg: ['--input', '--output', '--error'] },
  xargs: { withArg: 'IndLsaEP', refuse: 'o', appends: true },
  busybox: { withArg: '' },
};

interface Words {
  words: string[];
  literal: boolean[];
}

/** The first reason read_only refuses this command line, or null when it only reads. */
export function readOnlyFinding(command: string, typed = false, depth = 0): ReadOnlyFinding | null {
  if (hasHistoryExpansion(command)) return { kind: 'history', what: '!' };
  if (/\$['"]/.test(command)) return { kind: 'hidden', what: "$'...'" };
  const parsed = parseLine(command);
  if (typed && !parsed.complete) return { kind: 'incomplete', what: command.trim().slice(-40) };
  let open = 0;
  for (const simple of parsed.commands) {
    const file = redirectWrite(simple.redirects);
    if (file) return { kind: 'writes_file', what: file };
    let i = 0;
    // Leading keywords: `if`, `then`, `do`, `!`, `{`; `for x in ...` runs nothing itself.
    for (; i < simple.words.length; i++) {
      const word = simple.words[i] as string;
      if (OPENERS.has(word)) open += 1;
      else if (CLOSERS.has(word)) open -= 1;
      else if (!NEUTRAL.has(word)) break;
      if (word === 'for') i = simple.words.length;
    }
    const found = checkWords(
      { words: simple.words.slice(i), literal: simple.literal.slice(i) },
      depth,
      false,
    );
    if (found) return found;
  }
  if (typed && open > 0) return { kind: 'incomplete', what: 'an open if, for, while or {' };
  return null;
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

/** One simple command's words (keywords gone): assignments, wrappers, then the command. */
function checkWords(w: Words, depth: number, appended: boolean): ReadOnlyFinding | null {
  let i = 0;
  for (; i < w.words.length; i++) {
    const name = ASSIGNMENT.exec(w.words[i] as string)?.[1];
    if (name === undefined) break;
    if (!SAFE_VARIABLE.test(name) && (!/^[a-z_][a-z0-9_]*$/.test(name) || ZSH_SPECIAL.has(name)))
      return { kind: 'variable', what: `${name}=` };
  }
  if (i >= w.words.length) return null; // assignments alone
  const word = w.words[i] as string;
  if (!w.literal[i]) return { kind: 'hidden', what: word };
  const slash = word.lastIndexOf('/');
  const name = word.slice(slash + 1);
  if (slash !== -1 && !SYSTEM_DIRS.has(word.slice(0, slash)))
    return { kind: 'unknown', what: word };
  const rest: Words = { words: w.words.slice(i + 1), literal: w.literal.slice(i + 1) };
  if (WRITERS.has(name) || name.startsWith('mkfs')) return { kind: 'modifies', what: name };
  if (depth > 4) return { kind: 'unknown', what: name };
  const wrapper = WRAPPERS[name];
  if (wrapper) return checkWrapper(name, wrapper, rest, depth, appended);
  if (SHELLS.has(name)) return checkShell(name, rest, depth);
  if (FREE.has(name)) return null;
  const check = CHECKED[name];
  if (check) {
    if (appended) return { kind: 'appended', what: name };
    const at = rest.literal.indexOf(false);
    if (at !== -1) return { kind: 'expanded', what: `${name} ${rest.words[at] ?? ''}`.trimEnd() };
    const refused = check(rest.words);
    if (refused) return { kind: 'modifies', what: refused };
    return name === 'find' ? checkFindExec(rest, depth) : null;
  }
  return { kind: interactive(name) ? 'interactive' : 'unknown', what: name };
}

/** The command after a wrapper's options, checked as a command of its own. */
function checkWrapper(
  name: string,
  wrapper: Wrapper,
  w: Words,
  depth: number,
  appended: boolean,
): ReadOnlyFinding | null {
  let i = 0;
  for (; i < w.words.length; i++) {
    const arg = w.words[i] as string;
    if (!w.literal[i]) return { kind: 'hidden', what: `${name} ${arg}` };
    if (arg === '--') {
      i += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      const long = arg.split('=')[0] as string;
      if (wrapper.longRefuse?.includes(long)) return { kind: 'modifies', what: `${name} ${long}` };
      if (!arg.includes('=') && wrapper.longWithArg?.includes(long)) i += 1;
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const c = arg[k] as string;
      if (wrapper.refuse?.includes(c)) return { kind: 'modifies', what: `${name} -${c}` };
      if (wrapper.lookOnly?.includes(c)) return null;
      if (wrapper.withArg.includes(c)) {
        if (k === arg.length - 1) i += 1;
        break;
      }
    }
  }
  i += wrapper.positionals ?? 0;
  // env's NAME=value words come before its command.
  const inner: Words = { words: w.words.slice(i), literal: w.literal.slice(i) };
  if (inner.words.length === 0) return null;
  return checkWords(inner, depth + 1, appended || wrapper.appends === true);
}

/** `sh -c 'script'`: the script is a command line of its own; a shell without -c is refused. */
function checkShell(name: string, w: Words, depth: number): ReadOnlyFinding | null {
  const at = w.words.findIndex((a) => /^-[A-Za-z]*c[A-Za-z]*$/.test(a));
  const script = at === -1 ? undefined : w.words[at + 1];
  if (script === undefined) return { kind: 'interactive', what: name };
  if (!w.literal[at + 1]) return { kind: 'expanded', what: `${name} -c` };
  return readOnlyFinding(script, false, depth + 1);
}

/** find's -exec, -execdir, -ok, -okdir: the command up to `;` or `+`, given file names. */
function checkFindExec(w: Words, depth: number): ReadOnlyFinding | null {
  for (let i = 0; i < w.words.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test(w.words[i] as string)) continue;
    let end = i + 1;
    while (end < w.words.length && w.words[end] !== ';' && w.words[end] !== '+') end += 1;
    const inner = { words: w.words.slice(i + 1, end), literal: w.literal.slice(i + 1, end) };
    const found = checkWords(inner, depth + 1, true);
    if (found) return found;
    i = end;
  }
  return null;
}
