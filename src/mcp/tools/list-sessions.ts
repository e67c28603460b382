import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { ok, tool, type ToolContext } from '../result.js';
import { sessionInfo } from '../shapes.js';

export function registerListSessions(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'list_sessions',
    {
      title: 'List sessions',
      description:
        'Sessions of this server: profile, label, state (ready, busy, closed, broken with the reason), current hop, times.',
      input: {},
      output: { sessions: z.array(sessionInfo) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      const sessions = ctx.manager.list();
      const text = sessions.length
        ? sessions
            .map(
              (s) =>
                `${s.session_id} ${s.profile}${s.label ? ` "${s.label}"` : ''}: ${s.state}${s.reason ? ` (${s.reason})` : ''} at ${s.hop}`,
            )
            .join('\n')
        : 'no sessions: open one with open_session';
      return ok({ sessions }, text);
    },
  );
}
