import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';
import { redactedScreen } from './send-text.js';

export function registerGetScreen(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'get_screen',
    {
      title: 'Get the screen',
      description: 'The terminal as a person sees it: text rows, cursor, size.',
      input: { session_id: sessionId },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      const screen = await session.now(() => redactedScreen(session));
      return withNotices(session, ok(screen, screen.screen), { reentry: false });
    },
  );
}
