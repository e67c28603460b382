import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { mcpAsker } from '../ask.js';
import { LIMITS } from '../limits.js';
import { PROGRESS_EVERY_MS, walkProgress } from '../progress.js';
import { ok, withNotices, tool, type ToolContext } from '../result.js';
import { params, sessionId } from '../shapes.js';
import { redactedScreen } from './send-text.js';

export function registerSwitchTarget(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'switch_target',
    {
      title: 'Switch target',
      description:
        'Moves the session to another profile sharing its first hops (another pod behind the same bastion): leaves the hops that differ, walks the new ones.',
      input: {
        session_id: sessionId,
        profile: z.string().max(LIMITS.name).describe('Name from list_profiles'),
        params,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      const walked = walkProgress(extra, ctx.progressEveryMs ?? PROGRESS_EVERY_MS);
      await session
        .serial(() =>
          ctx.manager.switchTarget(
            session.id,
            args.profile,
            args.params ?? {},
            walked.onProgress,
            mcpAsker(server, ctx, extra, 'switch_target'),
          ),
        )
        .finally(walked.stop);
      const screen = await redactedScreen(session);
      const hops = session.nav.walk.hops.map((h) => ({ name: h.name, ms: Math.round(h.ms) }));
      const prompt = screen.screen.split('\n').at(-1) ?? '';
      return withNotices(
        session,
        ok(
          {
            session_id: session.id,
            profile: session.nav.profile.name,
            hops,
            prompt,
            screen: screen.screen,
          },
          `session ${session.id} now at ${session.nav.profile.name} (${hops.map((h) => h.name).join(' -> ')}); prompt: ${prompt}`,
        ),
      );
    },
  );
}
