import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { describeResult } from '../describe.js';
import { LIMITS } from '../limits.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerGetCommand(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'get_command',
    {
      title: 'Get a command',
      description:
        'Waits up to wait_s for a command that returned running, then gives its output and result. offset and length read a byte range of its whole output.',
      input: {
        command_id: z.string().max(LIMITS.name).describe('From execute_command'),
        session_id: sessionId,
        wait_s: z
          .number()
          .min(0)
          .max(600)
          .optional()
          .describe('Seconds to wait for it to end (default 0)'),
        offset: z.number().int().min(0).optional().describe('Byte offset into the whole output'),
        length: z
          .number()
          .int()
          .positive()
          .max(1_048_576)
          .optional()
          .describe('Bytes from offset (default 65536)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const session = ctx.manager.sessionOfCommand(args.command_id, args.session_id);
      // Beside the line: waiting on a command must not queue behind a call waiting for it.
      const result = await session.now(() =>
        session.shell.get(args.command_id, (args.wait_s ?? 0) * 1000),
      );
      if (args.offset === undefined)
        return withNotices(session, ok({ ...result }, describeResult(result)), { reentry: false });
      const range = session.shell.outputRange(args.command_id, args.offset, args.length ?? 65_536);
      const output = range.toString('utf8');
      return withNotices(
        session,
        ok(
          { ...result, output, truncated: false, offset: args.offset },
          `bytes ${args.offset}..${args.offset + range.length} of ${result.bytes}\n${output}`,
        ),
        { reentry: false },
      );
    },
  );
}
