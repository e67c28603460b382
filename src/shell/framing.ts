import { randomHex } from '../util/random.js';
import { GatewalkError } from '../errors.js';
import { MIN_SECRET_LENGTH, redacter } from '../util/redact.js';

// How a command is typed into a hop's shell so that its output can be cut out exactly and its
// exit code read, whatever it prints. For POSIX shells (bash, dash, busybox ash, mksh, ksh):
//
//    __gwS N&&command eval ' ls -la'&&__gwE 0||__gwE $?
//
// - `__gwS` and `__gwE` are two small functions defined once per hop (with the hop's first,
//   preparation command): they print the markers, `printf '\033]6973;S;%s\007' N` and
//   `...E;N;<status>;<cwd>`. A short line matters: bash's and zsh's line editors redraw the
//   line for every character typed, which costs milliseconds for a 200-character line.
// - The markers are OSC strings (terminal/marks.ts): a terminal swallows them, so nobody sees
//   them, and the echo of the typed line cannot hold one. N is a fresh random nonce per
//   command, kept in an unexported variable, so output (a file, a program) cannot forge them.
// - A printable command is typed as itself, single-quoted for eval: nothing is forked on the
//   remote side. A command with bytes a line editor would act on (a newline, a tab, control
//   characters) or misread (non-ASCII, in a C locale) is typed as a printf format of octal
//   escapes instead, `" $(printf -- '<octal>')"`, which costs a subshell.
// - The command goes through eval at the top level (not in a function: `$1`, `set --`,
//   `return` and `local` mean what they mean at a prompt), as one line: multi-line commands,
//   heredocs, quotes or a trailing comment cannot break the framing, and nothing is left on the
//   terminal's input for the command to read by mistake. `command eval`, because a syntax
//   error in a plain eval (a special builtin) makes busybox ash and dash drop the rest of the
//   line, end marker included. The space before the command keeps a leading dash from being
//   read as an option of eval.
// - `&& ... || ...`: a failing command inside an and-or list does not end a shell that runs
//   with `set -e` (from a .bashrc), and "$?" is still the command's status. When the
//   functions are gone (the command started a nested shell: `su`, `exec bash`), `__gwS` is
//   not found, so nothing after it runs: the executor defines them again and types the line
//   once more.
// - The leading space keeps the line out of the history where the shell honours it
//   (zsh's HIST_IGNORE_SPACE, fish always); bash's history is switched off once per hop.
//
// zsh runs `eval` itself (`command eval` looks for an external eval there); fish has its own
// syntax: single quotes escape `\\` and `'` with a backslash, `; and`, and `$status`.

export type ShellFlavor = 'posix' | 'zsh' | 'fish';

export interface Frame {
  nonce: string;
  line: string;
  flavor: ShellFlavor;
}

const PLAIN = /[A-Za-z0-9_./=:,+@-]/;

/** The command as a printf format that prints it back byte for byte. */
export function printfFormat(command: string): string {
  let out = '';
  for (const byte of Buffer.from(command, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(ch) ? ch : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

// Printable ASCII only: what every line editor inserts as it is, in any locale.
const PRINTABLE = /^[\x20-\x7e]*$/;

/** The command single-quoted as `flavor` reads it. */
export function singleQuoted(command: string, flavor: ShellFlavor): string {
  return flavor === 'fish'
    ? `'${command.replace(/[\\']/g, '\\$&')}'`
    : `'${command.replace(/'/g, "'\\''")}'`;
}

/** Busybox ash cuts typed lines at 1 KiB: longer framed lines are refused, not cut. */
export const MAX_LINE = 1000;

export function newNonce(): string {
  return randomHex(8);
}

const START = `'\\033]6973;S;%s\\007'`;
const END = `'\\033]6973;E;%s;%s;%s\\007'`;
const MARK = `'\\033]6973;%s\\007'`;

/** The line that defines the marker functions (typed once per hop, and again if they are gone). */
export function helperLine(flavor: ShellFlavor): string {
  if (flavor === 'fish')
    return (
      ` function __gwS; set -g __gwN $argv[1]; printf ${START} $argv[1]; end;` +
      ` function __gwE; printf ${END} $__gwN $argv[1] "$PWD"; end`
    );
  // `__gwP` prints one mark. mksh has no printf builtin (it would fork /usr/bin/printf twice
  // per command): its own `print` writes the escapes, and the mark's text goes raw (-r: a
  // path may hold backslashes).
  return (
    ` if [ -n "\${KSH_VERSION-}" ];then __gwP(){ print -n '\\033]6973;';print -nr -- "$1";print -n '\\007';};` +
    `else __gwP(){ printf ${MARK} "$1";};fi;__gwS(){ __gwN=$1;__gwP "S;$1";};__gwE(){ __gwP "E;$__gwN;$1;$PWD";}`
  );
}

function framedLine(flavor: ShellFlavor, command: string, nonce: string): string {
  const printable = PRINTABLE.test(command);
  if (flavor === 'fish') {
    const body = printable
      ? singleQuoted(` ${command}`, 'fish')
      : `(printf ' ${printfFormat(command)}' | string collect)`;
    return ` __gwS ${nonce}; and eval ${body}; __gwE $status`;
  }
  const evaluate = flavor === 'zsh' ? 'eval' : 'command eval';
  const body = printable
    ? singleQuoted(` ${command}`, flavor)
    : `" $(printf -- '${printfFormat(command)}')"`;
  return ` __gwS ${nonce}&&${evaluate} ${body}&&__gwE 0||__gwE $?`;
}

/** The framing around a command: what the line holds besides the command itself. */
const FRAMING = framedLine('posix', '', newNonce()).length;

/**
 * The line typed for a command. With `define`, the marker functions are defined first on the
 * same line (the hop's first command).
 */
export function frameCommand(
  command: string,
  nonce = newNonce(),
  flavor: ShellFlavor = 'posix',
  define = false,
): Frame {
  const framed = framedLine(flavor, command, nonce);
  const line = define ? `${helperLine(flavor)};${framed}` : framed;
  if (line.length > MAX_LINE) {
    throw new GatewalkError(
      'command_too_long',
      `the command is ${line.length - FRAMING}+ characters once encoded, more than every shell takes in one typed line (busybox ash cuts at 1 KiB): write it to a script with write_file and run that`,
    );
  }
  return { nonce, line, flavor };
}

/**
 * The shell complained that `__gwS` is not there (a nested shell started by the last command
 * does not have it): nothing of the line ran. The complaint is a line of its own, not the
 * echo of the typed line (which holds `eval`).
 */
export function helpersMissing(text: string): boolean {
  if (!text.includes('__gwS')) return false;
  return text
    .split('\n')
    .some(
      (line) =>
        line.includes('__gwS') && /not found|unknown command/i.test(line) && !line.includes('eval'),
    );
}

/** The end mark's fields: the exit code and the working directory. */
export function endOf(rest: string): { code: number; cwd: string } {
  const cut = rest.indexOf(';');
  return {
    code: Number(rest.slice(0, cut < 0 ? undefined : cut)),
    cwd: cut < 0 ? '' : rest.slice(cut + 1),
  };
}

/**
 * The first line typed at a hop, one that bash, dash, ash, mksh, zsh, fish and csh all parse
 * (fish keeps a line it cannot parse in its editor): `sh` reports its parent's name, which is
 * the shell that answers, and whether a terminal multiplexer runs there. This line is taken out
 * of bash's history if it was recorded there (bash records a line as it reads it, and a
 * PROMPT_COMMAND may write it to the history file as soon as it has run), and bash's history is
 * switched off; zsh is told to leave lines that start with a space out of its history (it has
 * recorded this one already). Every part ends in success, so `set -e` in a .bashrc cannot end
 * the shell.
 */
export function probeLine(nonce: string): string {
  return (
    ` sh -c 'm=\${TMUX:+tmux}\${STY:+screen}; [ -z "$m" ] || echo "GW""M:${nonce}:$m"; printf "\\033]6973;P;%s;%s;%s\\007" ${nonce} "$(cat /proc/$PPID/comm 2>/dev/null || ps -o comm= -p $PPID)" "$m"' || true;` +
    ` command -v shopt >/dev/null && history 1 | grep -q '6973;P' && history -d $HISTCMD || true;` +
    ` command -v shopt >/dev/null && shopt -u -o history || true;` +
    ` command -v setopt >/dev/null && setopt HIST_IGNORE_SPACE || true`
  );
}

/** What the probe's mark says: the shell's process name and a multiplexer. */
export function probeAnswer(rest: string): { process: string; multiplexer: string } {
  const cut = rest.lastIndexOf(';');
  return { process: rest.slice(0, Math.max(0, cut)), multiplexer: rest.slice(cut + 1) };
}

/**
 * Settings for a prepared shell, run framed once per hop: no pagers, no bracketed paste (bash).
 * The prompt is left as it is.
 */
export function prepareCommand(flavor: ShellFlavor): string {
  if (flavor === 'fish')
    return 'set -gx PAGER cat; set -gx GIT_PAGER cat; set -gx MANPAGER cat; set -gx SYSTEMD_PAGER ""; set -gx LESS -FRX';
  return [
    'export PAGER=cat SYSTEMD_PAGER= GIT_PAGER=cat MANPAGER=cat LESS=-FRX',
    "bind 'set enable-bracketed-paste off' 2>/dev/null",
    'true',
  ].join('; ');
}

/** Every form a secret takes in a typed line: as it is, single-quoted, octal-escaped. */
export function typedForms(secret: string): string[] {
  const forms = new Set([secret, printfFormat(secret)]);
  for (const flavor of ['posix', 'fish'] as const)
    forms.add(singleQuoted(secret, flavor).slice(1, -1));
  return [...forms];
}

// Compiled once per set of secrets (a session's), not per result: re-done when one is added.
const compiled = new WeakMap<Set<string>, { size: number; redact: (text: string) => string }>();

/**
 * Hides secret values in text shown to callers, also in the forms commands are typed in (a
 * command that uses a secret echoes it so, and `P@ss\040w0rd` decodes at a glance).
 */
export function redactSecrets(text: string, secrets: Set<string>): string {
  if (secrets.size === 0) return text;
  let entry = compiled.get(secrets);
  if (entry?.size !== secrets.size) {
    // Short secrets are not masked in any form (see MIN_SECRET_LENGTH): masking only their
    // typed forms would show the value itself while hiding its octal spelling.
    const long = [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH);
    entry = { size: secrets.size, redact: redacter(long.flatMap(typedForms)) };
    compiled.set(secrets, entry);
  }
  return entry.redact(text);
}
