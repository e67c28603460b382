import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { GatewalkError } from '../../errors.js';
import { describeResult } from '../describe.js';
import { LIMITS } from '../limits.js';
import { guardCommand } from '../policy-guard.js';
import { ok, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerExecuteCommand(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'execute_command',
    {
      title: 'Run a command',
      description:
        "Runs a shell command at the session's current hop; returns its output and exit code. Past timeout_s: status running, call get_command. status awaiting_input: answer with send_text, or interrupt.",
      input: {
        session_id: sessionId,
        command: z.string().min(1).max(LIMITS.command).describe('The command line'),
        timeout_s: z
          .number()
          .positive()
          .max(3600)
          .optional()
          .describe('Seconds before returning status running (default 30)'),
        max_output: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('Characters shown at most, head and tail (default 65536)'),
        wait_if_busy_s: z
          .number()
          .min(0)
          .max(600)
          .optional()
          .describe('Seconds to wait for a command already running, instead of failing'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      // Checked now (a refusal does not wait in line) and again when its turn comes: a
      // switch_target queued before may have changed the profile, and its policy.
      guardCommand(session, 'execute_command', args.command);
      // Without wait_if_busy_s a busy session refuses at once, as the parameter promises; the
      // queue alone would hold this command until the call in progress ends, however long.
      if (!args.wait_if_busy_s && session.callsInLine > 0)
        throw new GatewalkError(
          'session_busy',
          session.shell.busy
            ? `command ${session.shell.busy} is still running: wait for it with get_command, answer it with send_text, or interrupt it (or pass wait_if_busy_s)`
            : 'another call is in progress on this session: call again once it returns, or pass wait_if_busy_s to wait for it',
        );
      // wait_if_busy_s bounds the whole wait: for the calls queued before, then for a command
      // still running in the shell.
      const waitMs = (args.wait_if_busy_s ?? 0) * 1000;
      const queued = performance.now();
      const result = await session.serial(
        () => {
          guardCommand(session, 'execute_command', args.command);
          return session.shell.execute(args.command, {
            timeoutMs: (args.timeout_s ?? 30) * 1000,
            ...(args.max_output ? { maxOutput: args.max_output } : {}),
            ...(waitMs ? { waitIfBusyMs: Math.max(1, waitMs - (performance.now() - queued)) } : {}),
          });
        },
        waitMs || undefined,
        extra.signal,
      );
      return ok({ ...result }, describeResult(result));
    },
  );
}
