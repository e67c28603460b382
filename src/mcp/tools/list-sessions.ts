import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LIMITS } from '../limits.js';
import { capText, ok, tool, type ToolContext } from '../result.js';

/** Characters of a session's reason (broken or closed) in the list. */
const REASON_MAX = 1024;

export function registerListSessions(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'list_sessions',
    {
      title: 'List sessions',
      description:
        'Sessions: profile, label, state (ready, busy, closed, broken with the reason), hop, times, re-entries.',
      input: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      // Stored strings are capped on the way out too (issue 13): a label or a reason stored
      // before its argument was capped, or grown from remote text, cannot blow up the list.
      const sessions = ctx.manager.list().map((s) => ({
        ...s,
        session_id: capText(s.session_id, LIMITS.name),
        profile: capText(s.profile, LIMITS.name),
        label: s.label === null ? null : capText(s.label, LIMITS.label),
        hop: capText(s.hop, LIMITS.name),
        ...(s.reason === undefined ? {} : { reason: capText(s.reason, REASON_MAX) }),
        ...(s.reentries === undefined
          ? {}
          : {
              reentries: s.reentries.map((r) => ({
                ...r,
                reason: capText(r.reason, REASON_MAX),
                ...(r.cwd === undefined ? {} : { cwd: capText(r.cwd, REASON_MAX) }),
              })),
            }),
      }));
      const text = sessions.length
        ? sessions
            .map(
              (s) =>
                `${s.session_id} ${s.profile}${s.label ? ` "${s.label}"` : ''}: ${s.state}${s.reason ? ` (${s.reason})` : ''} at ${s.hop}${reentries(s.reentries, s.reentry_count)}`,
            )
            .join('\n')
        : 'no sessions: open one with open_session';
      return ok({ sessions }, text);
    },
  );
}

/** "; re-entered 2 times: 13:05:01 after the connection dropped, ..." */
function reentries(list: { at: string; reason: string }[] | undefined, count = 0): string {
  if (!list?.length) return '';
  const each = list.map((r) => `${r.at.slice(11, 19)} after ${r.reason}`).join(', ');
  const last = count > list.length ? ` (the last ${list.length})` : '';
  return `; re-entered ${count} time${count === 1 ? '' : 's'}${last}: ${each}`;
}
