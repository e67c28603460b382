import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { GatewalkError } from '../../errors.js';
import { KEYS } from '../../navigator/program.js';
import type { KeyName } from '../../profiles/types.js';
import { LIMITS } from '../limits.js';
import { guardInput } from '../policy-guard.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';
import { redactedScreen } from './send-text.js';

export function registerSendKeys(server: McpServer, ctx: ToolContext): void {
  const names = Object.keys(KEYS).join(', ');
  tool(
    server,
    'send_keys',
    {
      title: 'Send keys',
      description: `Presses keys in order and returns the screen right after. Keys: ${names}, or one character.`,
      input: {
        session_id: sessionId,
        keys: z
          .array(z.string().min(1).max(LIMITS.keys))
          .min(1)
          .max(100)
          .describe('Key names or single characters'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      const bytes = args.keys.map((k) => {
        const named = KEYS[k.toLowerCase() as KeyName];
        if (named !== undefined) return named;
        if ([...k].length === 1) return k;
        throw new GatewalkError(
          'key_unknown',
          `unknown key "${k}": use one of ${names}, or one character`,
        );
      });
      // Characters entered at the prompt make a command, however they were typed (in this
      // call or before it); under read_only, keys that edit or recall the line are refused.
      const typed = bytes.join('');
      const out = guardInput(session, 'send_keys', typed);
      return session.now(async () => {
        session.shell.writeRaw(out);
        const screen = await redactedScreen(session);
        return withNotices(
          session,
          ok({ sent: bytes.length, ...screen }, `sent ${args.keys.join(' ')}\n${screen.screen}`),
          { reentry: false },
        );
      });
    },
  );
}
