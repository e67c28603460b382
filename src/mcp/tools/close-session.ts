import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { transcriptLink } from '../resources.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerCloseSession(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'close_session',
    {
      title: 'Close a session',
      description: 'Leaves every hop with its exit and disconnects; a running command is dropped.',
      input: { session_id: sessionId },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      // Queued behind calls already made on it, so they finish before the hops are left.
      if (session.state === 'ready') await session.serial(() => ctx.manager.close(session.id));
      else await ctx.manager.close(session.id);
      const result = ok(
        { session_id: session.id, closed: true, transcript: session.transcript.path },
        `session ${session.id} closed; transcript ${session.transcript.path}`,
      );
      result.content.push(transcriptLink(session.id));
      return withNotices(session, result, { reentry: false });
    },
  );
}
