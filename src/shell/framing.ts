import { randomBytes } from 'node:crypto';
import { GatewalkError } from '../errors.js';
import { redact } from '../navigator/walk.js';

// How a command is typed into a POSIX shell (bash, dash, busybox ash) so that its output can be
// cut out exactly and its exit code read, whatever it prints:
//
//    printf 'GW''S%s\n' N; command eval "$(printf '<command, octal-escaped>')"; printf '\nGW''E%s:%d:%s\n' N "$?" "$PWD"
//
// - The markers are split in the typed text ('GW''S'), so the terminal's echo of the line never
//   matches them; N is a fresh random nonce per command, so output cannot forge them.
// - The command goes through eval, as one line: multi-line commands, heredocs, quotes or a
//   trailing comment cannot break the framing, and nothing is left on the terminal's input for
//   the command to read by mistake. `command eval`, because a syntax error in a plain eval (a
//   special builtin) makes busybox ash and dash drop the rest of the line, end marker included.
//   The space before the command keeps a leading dash from being read as an option of eval.
// - Octal escapes in a printf format are POSIX: no base64 or other tool needed on the remote side.
// - The leading space keeps the line out of the history (HISTCONTROL=ignorespace, set once).

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

export function frameCommand(command: string, nonce = randomBytes(12).toString('hex')): Frame {
  const line =
    ` printf 'GW''S%s\\n' ${nonce}; command eval " $(printf -- '${printfFormat(command)}')";` +
    ` printf '\\nGW''E%s:%d:%s\\n' ${nonce} "$?" "$PWD"`;
  if (line.length > MAX_LINE) {
    throw new GatewalkError(
      'command_too_long',
      `the command is ${line.length - 150}+ characters once encoded, more than every shell takes in one typed line (busybox ash cuts at 1 KiB): write it to a script with write_file and run that`,
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
 * Prepares a POSIX shell once per hop: no bracketed paste (bash), no pagers, framing lines kept
 * out of the history. The prompt is left as it is.
 */
export const PREPARE_SHELL = [
  'HISTCONTROL=ignorespace',
  'export PAGER=cat SYSTEMD_PAGER= GIT_PAGER=cat MANPAGER=cat LESS=-FRX',
  "bind 'set enable-bracketed-paste off' 2>/dev/null",
  'true',
].join('; ');

/**
 * Hides secret values in text shown to callers, also in the octal-escaped form commands are
 * typed in (a command that uses a secret echoes it so, and that decodes at a glance).
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const all = [...secrets].flatMap((s) => [s, printfFormat(s)]);
  return all.length === 0 ? text : redact(text, all);
}
