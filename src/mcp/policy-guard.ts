// The profile's policy, applied by every tool that can change or read the remote: a refusal is
// written to the transcript and comes back as an isError result saying why.
import { GatewalkError } from '../errors.js';
import { checkCommand, checkWrite, type PolicyRefusal } from '../sessions/policy.js';
import type { ManagedSession } from '../sessions/session.js';

function refuse(session: ManagedSession, tool: string, detail: string, r: PolicyRefusal): never {
  session.transcript.policyRefusal(tool, detail, r.message);
  throw new GatewalkError('policy_refused', r.message);
}

/** A command line about to be typed at the shell (execute_command, or text sent at a prompt). */
export function guardCommand(session: ManagedSession, tool: string, command: string): void {
  const profile = session.nav.profile;
  const r = checkCommand(profile.policy, command, profile.name);
  if (r) refuse(session, tool, command, r);
}

/**
 * Text typed while no command runs lands at the prompt: it is a command, checked as one. With
 * `onScreen`, what already stands on the cursor's line after the prompt counts too (keys typed
 * in an earlier call, Enter in this one).
 */
export async function guardTyped(
  session: ManagedSession,
  tool: string,
  text: string,
  sensitive = false,
  onScreen = false,
): Promise<void> {
  if (session.shell.busy !== null) return;
  let line = text;
  if (onScreen) {
    const snap = session.nav.pty.screen.snapshot();
    const row = snap.lines[snap.cursor.row] ?? '';
    const prompt = session.nav.profile.hops.at(-1)?.prompt;
    const m = prompt ? new RegExp(prompt.replace(/\$$/, ''), 'm').exec(row) : null;
    line = (m ? row.slice(m.index + m[0].length) : row).trimStart() + text;
  }
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
