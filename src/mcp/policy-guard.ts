// The profile's policy, applied by every tool that can change or read the remote: a refusal is
// written to the transcript and comes back as an isError result saying why.
import { GatewalkError } from '../errors.js';
import { checkCommand, checkWrite, type PolicyRefusal } from '../sessions/policy.js';
import type { ManagedSession } from '../sessions/session.js';

/**
 * What typed input left on the shell's line without an Enter, per session, in the pieces it came
 * in (one per call). read_only checks a line when it would be entered, pending pieces included;
 * since the terminal may drop typed-ahead text (Ctrl-C flushes it, a program may read it), a
 * line is also checked from each later piece on, so a stale prefix can only make it stricter.
 */
const pending = new WeakMap<ManagedSession, string[]>();
/** Pieces kept without an Enter; more is refused (type the command in one piece). */
const MAX_PIECES = 32;

function refuse(session: ManagedSession, tool: string, detail: string, r: PolicyRefusal): never {
  session.transcript.policyRefusal(tool, detail, r.message);
  throw new GatewalkError('policy_refused', r.message);
}

/** A command line about to be typed at the shell (execute_command, or text sent at a prompt). */
export function guardCommand(session: ManagedSession, tool: string, command: string): void {
  const profile = session.nav.profile;
  const r = checkCommand(profile.policy, command, profile.name);
  if (r) refuse(session, tool, command, r);
  // Text typed earlier without Enter would be joined with the command's line.
  const left = profile.policy.readOnly ? (pending.get(session) ?? []).join('') : '';
  if (left) {
    refuse(session, tool, command, {
      rule: 'read_only',
      message:
        `profile "${profile.name}" is read-only: text typed without Enter is still on the ` +
        `shell's line (${JSON.stringify(left.slice(0, 40))}) and would be joined with this ` +
        'command; clear it with send_keys ctrl-c, then run the command again',
    });
  }
}

/** The shell's line was cleared by gatewalk itself (Ctrl-C then Ctrl-U, Ctrl-U before a command). */
export function forgetTyped(session: ManagedSession): void {
  pending.delete(session);
}

/** Kills the line (readline, zsh, fish, ash, mksh; the tty's VKILL for dash). */
const KILL_LINE = '\x15';

/**
 * Ctrl-C as read_only needs it at the prompt: a Ctrl-C flushes only what the shell had not read
 * yet, and what arrives after the flush is read into the next line ("touch x" can leave
 * "ouch x"), so when text was typed before it, a Ctrl-U follows to empty the line for sure.
 */
export function interruptKeys(session: ManagedSession): string {
  const dirty = session.nav.profile.policy.readOnly && (pending.get(session)?.length ?? 0) > 0;
  pending.delete(session);
  return dirty && session.shell.busy === null ? `\x03${KILL_LINE}` : '\x03';
}

/** The running command waits for an answer: typed text is its input, not a command line. */
function answering(session: ManagedSession): boolean {
  const busy = session.shell.busy;
  if (busy === null) return false;
  return session.shell
    .commands()
    .some((c) => c.command_id === busy && c.status === 'awaiting_input');
}

/** Bytes that execute or edit a line in ways that cannot be followed: refused under read_only. */
function keyName(c: string): string {
  const names: Record<string, string> = { '\x1b': 'esc', '\t': 'tab', '\x04': 'ctrl-d' };
  return names[c] ?? `ctrl-${String.fromCharCode(c.charCodeAt(0) + 96)}`;
}

/**
 * Input about to be typed (`data`: the exact bytes, Enter as CR). Under read_only, every line
 * it enters is checked as the command the shell would run, with what earlier calls left on the
 * line; keys that edit the line, recall history or complete (arrows, tab, Esc, Ctrl-O, Ctrl-R,
 * ...) are refused, and so is Ctrl-D at the prompt (it ends the hop's shell). Printable
 * characters, Backspace, Enter, Ctrl-C (clears the line), Ctrl-Z, Ctrl-\ and Ctrl-L are what
 * it follows. An answer to a command waiting for input (awaiting_input) is its input: its first
 * line is not checked, the lines after it are (the shell reads them if the command does not).
 * Without read_only, deny patterns see the text with what stands on the cursor's line.
 */
export function guardInput(
  session: ManagedSession,
  tool: string,
  data: string,
  sensitive = false,
): string {
  const profile = session.nav.profile;
  const { policy } = profile;
  if (!policy.readOnly) {
    if (policy.deny.length > 0) guardDeny(session, tool, data, sensitive);
    return data;
  }
  const fail = (line: string, r: PolicyRefusal): never =>
    refuse(session, tool, sensitive ? '[secret]' : line, r);
  const keyRefusal = (key: string): PolicyRefusal => ({
    rule: 'read_only',
    message:
      `profile "${profile.name}" is read-only: ${key} at the shell edits the line, recalls ` +
      'history or ends the shell in ways it cannot check; type the whole command with ' +
      'execute_command (send_keys ctrl-c clears the line)',
  });
  let pieces = [...(pending.get(session) ?? [])];
  let current = '';
  let at = 0;
  if (answering(session)) {
    // The answer is the command's: what follows its first Enter may reach the shell.
    const enter = data.search(/[\r\n]/);
    if (enter === -1) return data;
    at = enter + 1;
  }
  // What is typed: as given, but a Ctrl-C at the prompt after typed text gets a Ctrl-U.
  let out = data.slice(0, at);
  const atPrompt = session.shell.busy === null;
  for (const c of data.slice(at)) {
    out += c;
    const code = c.codePointAt(0) ?? 0;
    if (c === '\r' || c === '\n') {
      // The line, and the line without each earlier piece (text the terminal may have dropped).
      for (let k = 0; k <= pieces.length; k++) {
        const candidate = pieces.slice(k).join('') + current;
        if (!candidate.trim()) continue;
        const r = checkCommand(policy, candidate, profile.name, true);
        if (r) fail(candidate, r);
      }
      pieces = [];
      current = '';
    } else if (code >= 0x20 && code !== 0x7f) current += c;
    else if (c === '\x7f' || c === '\b') {
      if (current) current = [...current].slice(0, -1).join('');
      else {
        const rest = [...pieces.join('')].slice(0, -1).join('');
        pieces = rest ? [rest] : [];
      }
    } else if (c === '\x03') {
      if (atPrompt && (pieces.length > 0 || current)) out += KILL_LINE;
      pieces = [];
      current = '';
    } else if (c === '\x04' && session.shell.busy === null) {
      fail(pieces.join('') + current, keyRefusal('ctrl-d'));
    } else if (!'\x04\x1a\x1c\x0c'.includes(c)) {
      fail(pieces.join('') + current, keyRefusal(keyName(c)));
    }
  }
  if (current) pieces.push(current);
  if (pieces.length > MAX_PIECES) {
    fail(pieces.join(''), {
      rule: 'read_only',
      message: `profile "${profile.name}" is read-only: more than ${MAX_PIECES} pieces typed without Enter; type the command in one piece, or clear the line with send_keys ctrl-c`,
    });
  }
  pending.set(session, pieces);
  return out;
}

/** Deny patterns against typed lines: the cursor's line on screen, then each entered line. */
function guardDeny(session: ManagedSession, tool: string, data: string, sensitive: boolean): void {
  if (session.shell.busy !== null) return;
  const enter = data.search(/[\r\n]/);
  if (enter === -1) return;
  const snap = session.nav.pty.screen.snapshot();
  const row = snap.lines[snap.cursor.row] ?? '';
  const prompt = session.nav.profile.hops.at(-1)?.prompt;
  const m = prompt ? new RegExp(prompt.replace(/\$$/, ''), 'm').exec(row) : null;
  const line = (m ? row.slice(m.index + m[0].length) : row).trimStart() + data;
  for (const part of line.split(/\r|\n/)) {
    if (!part.trim()) continue;
    const profile = session.nav.profile;
    const r = checkCommand(profile.policy, part, profile.name);
    if (r) refuse(session, tool, sensitive ? '[secret]' : part, r);
  }
}

/** Reads go through the shell as `cat`: deny patterns about a path apply to them too. */
export function guardRead(session: ManagedSession, tool: string, path: string): void {
  const profile = session.nav.profile;
  const r = checkCommand({ ...profile.policy, readOnly: false }, `cat ${path}`, profile.name);
  if (r) refuse(session, tool, path, r);
}

/** write_file and upload under read_only; `what` says it in the refusal. */
export function guardWrite(
  session: ManagedSession,
  tool: string,
  path: string,
  what: string,
): void {
  const profile = session.nav.profile;
  const r = checkWrite(profile.policy, profile.name, what);
  if (r) refuse(session, tool, path, r);
}
