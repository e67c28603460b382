import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { GatewalkError } from '../../errors.js';
import { describeResult } from '../describe.js';
import { LIMITS } from '../limits.js';
import { guardCommand } from '../policy-guard.js';
import { describeRun, every, PROGRESS_EVERY_MS, report, walkProgress } from '../progress.js';
import { ok, withNotices, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';
import { taskTool } from '../tasks.js';

/** A command run as an MCP task may take this long before its result says `running`. */
const TASK_TIMEOUT_S = 3600;

/** The client's name from its `initialize` (clientInfo): transcripts record who ran a command. */
export function callerName(server: McpServer): string {
  const name = server.server.getClientVersion()?.name ?? '';
  // Whatever text the client chose: kept short and printable in the audit log.
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 100) || 'unnamed client';
}

export function registerExecuteCommand(server: McpServer, ctx: ToolContext): void {
  taskTool(
    server,
    ctx,
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
          .describe('Seconds before returning status running (default 30; 3600 in a task)'),
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
      // In a task the client polls: no reason to hand back `running` after 30 s.
      const timeoutS = args.timeout_s ?? (extra.taskId ? TASK_TIMEOUT_S : 30);
      const stopTicks = every(ctx.progressEveryMs ?? PROGRESS_EVERY_MS, () => {
        const run = session.shell.runningNow;
        if (run) report(extra, Math.round(run.ms) / 1000, 0, describeRun(run));
      });
      // A task cancelled (tasks/cancel) while its command runs: the command is interrupted,
      // as the agent's interrupt would. Before its turn, the call just never runs.
      let before: string | null | undefined;
      const cancel = () => {
        const busy = session.shell.busy;
        if (before !== undefined && busy && busy !== before)
          void session.now(() => session.shell.interrupt()).catch(() => undefined);
      };
      if (extra.taskId) extra.signal.addEventListener('abort', cancel, { once: true });
      // A session lost to a drop or a logout is walked again first when reconnect is on.
      const rewalk = walkProgress(extra, ctx.progressEveryMs ?? PROGRESS_EVERY_MS);
      const result = await session
        .serial(
          () => {
            guardCommand(session, 'execute_command', args.command);
            before = session.shell.busy;
            return session.shell.execute(args.command, {
              timeoutMs: timeoutS * 1000,
              by: callerName(server),
              ...(args.max_output ? { maxOutput: args.max_output } : {}),
              ...(waitMs
                ? { waitIfBusyMs: Math.max(1, waitMs - (performance.now() - queued)) }
                : {}),
            });
          },
          waitMs || undefined,
          extra.signal,
          rewalk.onProgress,
        )
        .finally(() => {
          stopTicks();
          rewalk.stop();
          extra.signal.removeEventListener('abort', cancel);
        });
      // What a person did in the viewer meanwhile, and whether the session was walked again first.
      return withNotices(session, ok({ ...result }, describeResult(result)));
    },
  );
}
