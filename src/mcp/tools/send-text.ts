import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { redactSecrets } from '../../shell/framing.js';
import type { ManagedSession } from '../../sessions/session.js';
import { waitForText } from '../../sessions/wait-text.js';
import { LIMITS } from '../limits.js';
import { guardInput } from '../policy-guard.js';
import { ok, tool, withNotices, type ToolContext } from '../result.js';
import { sessionId, waitSeconds } from '../shapes.js';

export async function redactedScreen(session: ManagedSession) {
  const pty = session.nav.pty;
  const snap = pty.screen.snapshot();
  const lines = snap.lines.slice();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const screen = redactSecrets(lines.join('\n'), pty.secrets);
  return { screen, cursor: snap.cursor, rows: snap.rows, cols: snap.cols };
}

export function registerSendText(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'send_text',
    {
      title: 'Send text',
      description:
        'Types text, then Enter: answers a prompt or picks a menu entry. Optionally waits for a regex.',
      input: {
        session_id: sessionId,
        text: z.string().max(LIMITS.text).describe('Text to type'),
        enter: z.boolean().optional().describe('Press Enter after it (default true)'),
        wait_for: z
          .string()
          .max(LIMITS.pattern)
          .optional()
          .describe('Regex to wait for in the output that follows'),
        timeout_s: waitSeconds('Seconds to wait for wait_for (default 10)', 600),
        sensitive: z.boolean().optional().describe('A secret: kept out of transcripts and screens'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      // Not queued: the command it answers holds the queue until it gets its answer.
      // Text at the prompt is a command, however it is split over calls: checked as the line
      // the shell would run (sensitive text too, recorded as [secret]).
      const enter = args.enter ?? true;
      guardInput(session, 'send_text', enter ? `${args.text}\r` : args.text, args.sensitive);
      return session.now(async () => {
        const send = () => session.shell.sendInput(args.text, enter, args.sensitive);
        let matched: string | null = null;
        if (args.wait_for) {
          const pty = session.nav.pty;
          ({ matched } = await waitForText(
            pty,
            args.wait_for,
            (args.timeout_s ?? 10) * 1000,
            send,
          ));
        } else send();
        // The session went away while waiting: say so, not "did not appear".
        session.assertUsable();
        const screen = await redactedScreen(session);
        const head = args.wait_for
          ? matched === null
            ? `sent; /${args.wait_for}/ did not appear within ${args.timeout_s ?? 10} s`
            : `sent; matched "${matched}"`
          : 'sent';
        return withNotices(session, ok({ matched, ...screen }, `${head}\n${screen.screen}`), {
          reentry: false,
        });
      });
    },
  );
}
