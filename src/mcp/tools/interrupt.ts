import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { describeResult } from '../describe.js';
import { interruptKeys } from '../policy-guard.js';
import { ok, tool, type ToolContext } from '../result.js';
import { commandResult, sessionId } from '../shapes.js';

export function registerInterrupt(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'interrupt',
    {
      title: 'Interrupt',
      description:
        "Stops the running command: Ctrl-C, then Ctrl-\\ if that is ignored; returns once the prompt is back, with the command's final result. With no command running it sends Ctrl-C to whatever holds the terminal.",
      input: { session_id: sessionId },
      output: {
        interrupted: z.boolean(),
        result: z.object(commandResult).optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      // Not queued behind the command it is meant to stop.
      const result = await session.now(() => session.shell.interrupt());
      if (!result) {
        session.nav.pty.write(interruptKeys(session));
        return ok({ interrupted: false }, 'no command was running; sent Ctrl-C to the terminal');
      }
      return ok({ interrupted: true, result: { ...result } }, describeResult(result));
    },
  );
}
