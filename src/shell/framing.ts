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
 * The first line typed at a hop: says which shell answers (a POSIX shell prints the marker with
 * its name; fish and csh complain about the syntax instead, which names them) and whether a
 * terminal multiplexer runs there. bash's history is switched off in the same line, and the
 * line itself taken out of it when it was recorded: bash records a line as it reads it, and a
 * PROMPT_COMMAND may write it to the history file as soon as it has run. zsh is told to leave
 * lines that start with a space out of its history.
 */
export function probeLine(nonce: string): string {
  return (
    ` printf 'GW''P%s:%s:%s\\n' ${nonce} "\${ZSH_VERSION:+zsh}\${BASH_VERSION:+bash}\${KSH_VERSION:+ksh}" "\${TMUX:+tmux}\${STY:+screen}";` +
    ` case \${BASH_VERSION:+b}\${ZSH_VERSION:+z} in` +
    ` b) set +o history; gw_h=$(history 1); case $gw_h in *gatewalk) gw_h=\${gw_h#"\${gw_h%%[0-9]*}"}; history -d \${gw_h%%[!0-9]*};; esac; unset gw_h;;` +
    ` z) setopt HIST_IGNORE_SPACE;; esac # gatewalk`
  );
}

/** What the probe printed: the shell's name (empty for sh, dash, ash) and a multiplexer. */
export function probeAnswer(nonce: string): RegExp {
  return new RegExp(`GWP${nonce}:([a-z]*):([a-z]*)\\n`);
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
