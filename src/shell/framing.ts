import { randomBytes } from 'node:crypto';
import { GatewalkError } from '../errors.js';
import { redact } from '../navigator/walk.js';

// How a command is typed into a hop's shell so that its output can be cut out exactly and its
// exit code read, whatever it prints. For POSIX shells (bash, dash, busybox ash, mksh, ksh):
//
//    printf 'GW''S%s\n' N; command eval " $(printf -- '<octal>')" && printf '\nGW''E%s:0:%s\n' N "$PWD" || printf '\nGW''E%s:%d:%s\n' N "$?" "$PWD"
//
// - The markers are split in the typed text ('GW''S'), so the terminal's echo of the line never
//   matches them; N is a fresh random nonce per command, so output cannot forge them.
// - The command goes through eval, as one line: multi-line commands, heredocs, quotes or a
//   trailing comment cannot break the framing, and nothing is left on the terminal's input for
//   the command to read by mistake. `command eval`, because a syntax error in a plain eval (a
//   special builtin) makes busybox ash and dash drop the rest of the line, end marker included.
//   The space before the command keeps a leading dash from being read as an option of eval.
// - `&& ... || ...`: a failing command inside an and-or list does not end a shell that runs
//   with `set -e` (from a .bashrc), and "$?" is still the command's status.
// - Octal escapes in a printf format are POSIX: no base64 or other tool needed on the remote side.
// - The leading space keeps the line out of the history where the shell honours it
//   (zsh's HIST_IGNORE_SPACE, fish always); bash's history is switched off once per hop.
//
// zsh runs `eval` itself (`command eval` looks for an external eval there); fish has its own
// syntax: `eval (printf ... | string collect)` and `$status`.

export type ShellFlavor = 'posix' | 'zsh' | 'fish';

export interface Frame {
  nonce: string;
  line: string;
  start: string;
  /** Matches the end marker with the exit code and working directory. */
  end: RegExp;
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

/** Busybox ash cuts typed lines at 1 KiB: longer framed lines are refused, not cut. */
export const MAX_LINE = 1000;

export function newNonce(): string {
  return randomBytes(12).toString('hex');
}

function framedLine(flavor: ShellFlavor, command: string, nonce: string): string {
  const fmt = printfFormat(command);
  const start = `printf 'GW''S%s\\n' ${nonce}`;
  if (flavor === 'fish')
    return (
      ` ${start}; eval (printf ' ${fmt}' | string collect);` +
      ` printf '\\nGW''E%s:%d:%s\\n' ${nonce} $status "$PWD"`
    );
  const evaluate = flavor === 'zsh' ? 'eval' : 'command eval';
  return (
    ` ${start}; ${evaluate} " $(printf -- '${fmt}')"` +
    ` && printf '\\nGW''E%s:0:%s\\n' ${nonce} "$PWD"` +
    ` || printf '\\nGW''E%s:%d:%s\\n' ${nonce} "$?" "$PWD"`
  );
}

export function frameCommand(
  command: string,
  nonce = newNonce(),
  flavor: ShellFlavor = 'posix',
): Frame {
  const line = framedLine(flavor, command, nonce);
  if (line.length > MAX_LINE) {
    throw new GatewalkError(
      'command_too_long',
      `the command is ${line.length - 190}+ characters once encoded, more than every shell takes in one typed line (busybox ash cuts at 1 KiB): write it to a script with write_file and run that`,
    );
  }
  return {
    nonce,
    line,
    start: `GWS${nonce}\n`,
    end: new RegExp(`\\nGWE${nonce}:(\\d+):([^\\n]*)\\n`),
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
    ` sh -c 'echo "GW""P:${nonce}:$(cat /proc/$PPID/comm 2>/dev/null || ps -o comm= -p $PPID):\${TMUX:+tmux}\${STY:+screen}"' || true;` +
    ` command -v shopt >/dev/null && history 1 | grep -q 'GW""P' && history -d $HISTCMD || true;` +
    ` command -v shopt >/dev/null && shopt -u -o history || true;` +
    ` command -v setopt >/dev/null && setopt HIST_IGNORE_SPACE || true`
  );
}

/** What the probe printed: the shell's process name and a multiplexer. */
export function probeAnswer(nonce: string): RegExp {
  return new RegExp(`GWP:${nonce}:([^:\n]*):([a-z]*)\n`);
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

/**
 * Hides secret values in text shown to callers, also in the octal-escaped form commands are
 * typed in (a command that uses a secret echoes it so, and that decodes at a glance).
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const all = [...secrets].flatMap((s) => [s, printfFormat(s)]);
  return all.length === 0 ? text : redact(text, all);
}
