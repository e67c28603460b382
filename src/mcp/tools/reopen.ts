import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { mcpAsker } from '../ask.js';
import { PROGRESS_EVERY_MS, walkProgress } from '../progress.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';
import { redactedScreen } from './send-text.js';

export function registerReopen(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'reopen',
    {
      title: 'Reopen a broken session',
      description:
        "Walks a broken session's profile again on a new connection, keeping its session_id. The old shell's state (cwd, variables) is lost.",
      input: { session_id: sessionId },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const walked = walkProgress(extra, ctx.progressEveryMs ?? PROGRESS_EVERY_MS);
      const { session, nav } = await ctx.manager
        .reopen(args.session_id, walked.onProgress, mcpAsker(server, ctx, extra, 'reopen'))
        .finally(walked.stop);
      const screen = await redactedScreen(session);
      const hops = nav.walk.hops.map((h) => ({ name: h.name, ms: Math.round(h.ms) }));
      const prompt = screen.screen.split('\n').at(-1) ?? '';
      const result = ok(
        { session_id: session.id, profile: nav.profile.name, hops, prompt, screen: screen.screen },
        `session ${session.id} reopened at ${hops.at(-1)?.name ?? '?'}; the shell state of the old connection was lost`,
      );
      return withNotices(session, result, { reentry: false });
    },
  );
}
