// The text half of command results: what a client that shows only text needs to go on.
import type { CommandResult } from '../shell/types.js';

export function describeResult(r: CommandResult): string {
  const head =
    r.status === 'done'
      ? `exit ${r.exit_code ?? 'n/a'} in ${r.duration_ms} ms${r.failure ? `; stopped: ${r.failure}` : ''}`
      : r.status === 'running'
        ? `still running after ${r.duration_ms} ms (silent for ${r.idle_ms ?? 0} ms): get_command("${r.command_id}", wait_s) waits for more; if it waits for input without a prompt, send_text answers it; interrupt stops it`
        : `waiting for input (command ${r.command_id}): answer with send_text (sensitive: true for secrets), or interrupt`;
  const body = r.status === 'awaiting_input' && r.screen ? r.screen : r.output;
  const left = r.left_hop
    ? `\n${r.left_hop.reason}; ${r.left_hop.now_at ? `the session now stands at hop "${r.left_hop.now_at}": call reopen to walk back to "${r.left_hop.hop}", or close_session` : 'the connection is closed: call reopen to walk the path again, or close_session'}`
    : '';
  return `${head}${left}${body ? `\n${body}` : ''}`;
}
