// Leaving hops as a person does: type the hop's exit, answer what the gateway says on the way
// out (the profile's and the hops' `on:` handlers: "Press any key to continue"), and go on only
// once the hop below shows its prompt at the cursor; the first hop's exit is followed by the
// connection closing. Each hop gets a short budget, not the walk's step timeout.
import { GatewalkError } from '../errors.js';
import type { Handler, Hop, ResolvedProfile } from '../profiles/types.js';
import type { HopProgram, Program, StepLabel } from './program.js';
import type { NavSession } from './session.js';
import { prepareProgram, walk } from './walk.js';

/** The longest a hop may take to be left (less when the profile's timeout is shorter). */
export const LEAVE_BUDGET_MS = 5000;
/** Into a hop without a prompt: how long the exit's line feed is waited for at most. */
const NO_PROMPT_WAIT_MS = 2000;

function unique(handlers: Handler[]): Handler[] {
  return [...new Set(handlers)];
}

/** The program that leaves hops `from` down to `keep` (0: every hop, then the connection). */
export function compileLeave(profile: ResolvedProfile, from: number, keep: number): Program {
  const budget = Math.min(profile.timeoutMs, LEAVE_BUDGET_MS);
  const hops: HopProgram[] = [];
  for (let i = from; i >= keep; i--) {
    const hop = profile.hops[i] as Hop;
    const below = profile.hops[i - 1];
    const label = (step: string): StepLabel => ({
      hop: hop.name,
      hopIndex: i,
      step,
      source: hop.source,
    });
    const then = !below ? 'closed' : 'below';
    const nodes: HopProgram['nodes'] = [
      {
        id: 'exit',
        kind: 'send',
        // In a shell, a leading space keeps the exit out of the history (bash with
        // ignorespace, zsh once prepared, fish always).
        output: { text: `${hop.shell === 'posix' ? ' ' : ''}${hop.exit ?? ''}\r`, leaving: true },
        next: then,
        label: label('leaving (exit)'),
      },
    ];
    if (below?.prompt)
      nodes.push({
        id: 'below',
        kind: 'prompt',
        match: below.prompt,
        handlers: unique([...profile.on, ...hop.on, ...below.on]),
        timeoutMs: budget,
        next: 'done',
        label: label(`leaving, back at hop "${below.name}"`),
      });
    else if (below)
      // No prompt to wait for below: the exit's line taken (its line feed came back) is the sign
      // the next exit is not typed ahead into the hop being left. A gateway that redraws with
      // cursor moves sends none: then the next exit goes after a moment all the same.
      nodes.push({
        id: 'below',
        kind: 'wait',
        alternatives: [{ match: String.raw`\n`, next: 'done' }],
        handlers: unique([...profile.on, ...hop.on, ...below.on]),
        timeoutMs: Math.min(budget, NO_PROMPT_WAIT_MS),
        timeoutGoesOn: true,
        label: label(`leaving, back at hop "${below.name}"`),
      });
    if (!below)
      nodes.push({
        id: 'closed',
        kind: 'closed',
        timeoutMs: budget,
        next: 'done',
        label: label('leaving, the connection closes'),
      });
    hops.push({ name: hop.name, nodes, first: 'exit' });
  }
  return { hops, secrets: [] };
}

/** Runs a leave program on the session's PTY; the session stands at hop `keep - 1` after. */
async function runLeave(
  session: NavSession,
  keep: number,
  secrets?: Parameters<typeof prepareProgram>[1],
) {
  const program = compileLeave(session.profile, session.at, keep);
  if (program.hops.length === 0) return;
  const prepared = await prepareProgram(program, secrets);
  try {
    // Text that arrived before leaving belongs to the hop as it was, not to the way out.
    await walk(session.profile, session.pty, prepared, { freshText: true });
  } finally {
    // Answered again, whatever happened on the way out.
    session.pty.arrived();
  }
  session.at = keep - 1;
}

/**
 * Leaves hops from where the session stands down to `keep` hops, each with its `exit`, waiting
 * for the prompt below. Every hop to leave must have an exit: checked before typing anything,
 * since stopping halfway would strand the session.
 */
export async function leaveHops(
  session: NavSession,
  keep: number,
  secrets?: Parameters<typeof prepareProgram>[1],
): Promise<void> {
  const stuck = session.profile.hops.slice(keep, session.at + 1).find((h) => h.exit === null);
  if (stuck) {
    throw new GatewalkError(
      'hop_no_exit',
      `hop "${stuck.name}" of profile "${session.profile.name}" has no exit: cannot leave it`,
    );
  }
  await runLeave(session, keep, secrets);
}

/**
 * Leaves every hop that has an exit, from the top down (the first hop's too: a menu's `q`,
 * then the connection closes), then disconnects. Hops below one without an exit are not left.
 * With `leave: false` (a command still runs, the shell would not take an exit) it just
 * disconnects.
 */
export async function closeSession(
  session: NavSession,
  options: { leave?: boolean; secrets?: Parameters<typeof prepareProgram>[1] } = {},
): Promise<void> {
  try {
    if (options.leave !== false && !session.pty.closed && session.at >= 0) {
      let keep = 0;
      for (let i = session.at; i >= 0; i--) {
        if (session.profile.hops[i]?.exit === null) {
          keep = i + 1;
          break;
        }
      }
      if (keep <= session.at) await runLeave(session, keep, options.secrets);
    }
  } catch {
    // Closing anyway: the connection goes below.
  } finally {
    session.at = -1;
    session.connection.close();
    session.pty.screen.dispose();
  }
}
