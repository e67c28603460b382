import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { LIMITS } from '../limits.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';

export function registerListCommands(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'list_commands',
    {
      title: 'List commands',
      description:
        'Running and recent commands (last 20 per session): status, exit code, duration.',
      input: {
        session_id: z
          .string()
          .max(LIMITS.name)
          .optional()
          .describe('Only this session (default: all)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      // An empty id is a mistake, not "all sessions": get() says so.
      const sessions =
        args.session_id !== undefined
          ? [ctx.manager.get(args.session_id)]
          : ctx.manager.all().filter((s) => s.state !== 'closed');
      const commands = sessions.flatMap((s) =>
        s.shell.commands().map((c) => ({ session_id: s.id, ...c })),
      );
      const text = commands.length
        ? commands
            .map(
              (c) =>
                `${c.command_id} [${c.status}${c.exit_code === null ? '' : ` ${c.exit_code}`}] ${c.duration_ms} ms: ${c.command}`,
            )
            .join('\n')
        : 'no commands yet';
      const result = ok({ commands }, text);
      // One session asked for: a person's turn at its terminal is told here too.
      const one = args.session_id !== undefined ? sessions[0] : undefined;
      return one ? withNotices(one, result, { reentry: false }) : result;
    },
  );
}
