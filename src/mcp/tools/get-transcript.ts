import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { tailTranscript } from '../../sessions/transcript.js';
import { transcriptLink } from '../resources.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerGetTranscript(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'get_transcript',
    {
      title: 'Get the transcript',
      description:
        "The session's audit transcript (sent, received, states, commands; secrets as [secret]).",
      input: {
        session_id: sessionId,
        tail: z
          .number()
          .int()
          .positive()
          .max(10_000)
          .optional()
          .describe('Last events (default 200)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      // Readable for closed and broken sessions too: that is when it is wanted most.
      const session = ctx.manager.get(args.session_id);
      const events = tailTranscript(session.transcript.path, args.tail ?? 200) as unknown as Record<
        string,
        unknown
      >[];
      const text = events
        .map((e) => {
          const { t, type, ...rest } = e;
          return `${String(t ?? '')} ${String(type)} ${JSON.stringify(rest)}`;
        })
        .join('\n');
      const result = ok({ path: session.transcript.path, events }, text || 'empty transcript');
      // The whole transcript, for a client that reads resources.
      result.content.push(transcriptLink(session.id));
      return withNotices(session, result, { reentry: false });
    },
  );
}
