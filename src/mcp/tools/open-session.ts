import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { GatewalkError } from '../../errors.js';
import { redact } from '../../util/redact.js';
import { mcpAsker } from '../ask.js';
import { LIMITS } from '../limits.js';
import { PROGRESS_EVERY_MS, progress, walkProgress } from '../progress.js';
import { ok, type ToolContext } from '../result.js';
import { params } from '../shapes.js';
import { taskTool } from '../tasks.js';

/** The asker for `{ ask }` secrets, as an option (none when no viewer runs). */
function askerFor(...args: Parameters<typeof mcpAsker>) {
  const ask = mcpAsker(...args);
  return ask ? { ask } : {};
}

export function registerOpenSession(server: McpServer, ctx: ToolContext): void {
  taskTool(
    server,
    ctx,
    'open_session',
    {
      title: 'Open a session',
      description:
        'Connects and walks a profile (menus, OTP, shells, pods) to its final prompt; returns the session_id. A failed walk names the hop and step and shows the screen.',
      input: {
        profile: z.string().max(LIMITS.name).describe('Name from list_profiles'),
        params,
        label: z.string().max(LIMITS.label).optional().describe('Name shown in listings'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const walked = walkProgress(extra, ctx.progressEveryMs ?? PROGRESS_EVERY_MS);
      const { session, nav } = await ctx.manager
        .open({
          profile: args.profile,
          params: args.params ?? {},
          label: args.label ?? null,
          onProgress: walked.onProgress,
          ...askerFor(server, ctx, extra, 'open_session'),
        })
        .finally(walked.stop);
      // Cancelled while the path was walked: nobody will use this session (and an extra open
      // one would make later calls without session_id ambiguous).
      if (extra.signal.aborted) {
        await ctx.manager.close(session.id, 'open_session was cancelled');
        throw new GatewalkError('cancelled', 'open_session was cancelled; the session was closed');
      }
      const screen = redact(nav.pty.screen.text(), [...nav.pty.secrets]);
      const hops = nav.walk.hops.map((h) => ({ name: h.name, ms: Math.round(h.ms) }));
      progress(extra, hops.length, hops.length, 'ready');
      const prompt = screen.split('\n').at(-1) ?? '';
      const viewer = ctx.viewerUrl?.(session.id);
      return ok(
        {
          session_id: session.id,
          profile: nav.profile.name,
          hops,
          prompt,
          screen,
          ...(viewer ? { viewer_url: viewer } : {}),
        },
        `session ${session.id} open at ${hops.at(-1)?.name ?? '?'} (${hops.map((h) => `${h.name} ${h.ms} ms`).join(', ')}); prompt: ${prompt}`,
      );
    },
  );
}
