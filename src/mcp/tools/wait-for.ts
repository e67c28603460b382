import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { waitForText } from '../../sessions/wait-text.js';
import { LIMITS } from '../limits.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId, waitSeconds } from '../shapes.js';
import { redactedScreen } from './send-text.js';

export function registerWaitFor(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'wait_for',
    {
      title: 'Wait for text',
      description:
        'Waits until a regex appears on the screen or in the output; matched is null on timeout.',
      input: {
        session_id: sessionId,
        pattern: z.string().min(1).max(LIMITS.pattern).describe('Regex (JavaScript syntax)'),
        timeout_s: waitSeconds('Seconds (default 10)', 600),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      return session.now(async () => {
        const seconds = args.timeout_s ?? 10;
        const { matched } = await waitForText(session.nav.pty, args.pattern, seconds * 1000);
        // The session went away while waiting: say so, not "did not appear".
        session.assertUsable();
        const screen = await redactedScreen(session);
        const head =
          matched === null
            ? `/${args.pattern}/ did not appear within ${seconds} s`
            : `matched "${matched}"`;
        return withNotices(session, ok({ matched, ...screen }, `${head}\n${screen.screen}`), {
          reentry: false,
        });
      });
    },
  );
}
