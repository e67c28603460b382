import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describeResult } from '../describe.js';
import { interruptKeys } from '../policy-guard.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerInterrupt(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'interrupt',
    {
      title: 'Interrupt',
      description:
        'Stops the running command (Ctrl-C, then Ctrl-\\) and returns its result once the prompt is back; with none running, sends Ctrl-C.',
      input: { session_id: sessionId },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      // Not queued behind the command it is meant to stop.
      const result = await session.now(() => session.shell.interrupt());
      if (!result) {
        session.nav.pty.write(interruptKeys(session));
        return withNotices(
          session,
          ok({ interrupted: false }, 'no command was running; sent Ctrl-C to the terminal'),
          { reentry: false },
        );
      }
      return withNotices(
        session,
        ok({ interrupted: true, result: { ...result } }, describeResult(result)),
        { reentry: false },
      );
    },
  );
}
