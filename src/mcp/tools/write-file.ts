import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { guardWrite } from '../policy-guard.js';
import { writeRemoteFile } from '../../shell/files.js';
import { ok, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerWriteFile(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'write_file',
    {
      title: 'Write a remote file',
      description:
        'Writes a file at the current hop through the shell: to a temporary file, verified with SHA-256, then renamed into place (a broken transfer never leaves a half-written file). append adds to the end; mode is octal like "644".',
      input: {
        session_id: sessionId,
        path: z.string().min(1),
        content: z.string(),
        encoding: z.enum(['utf8', 'base64']).optional().describe('Of content (default utf8)'),
        append: z.boolean().optional(),
        mode: z
          .string()
          .regex(/^[0-7]{3,4}$/)
          .optional(),
      },
      output: { path: z.string(), bytes: z.number().int(), sha256: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      guardWrite(session, 'write_file', args.path, `write_file ${args.path}`);
      const data = Buffer.from(args.content, args.encoding === 'base64' ? 'base64' : 'utf8');
      const r = await session.serial(() => {
        guardWrite(session, 'write_file', args.path, `write_file ${args.path}`);
        return writeRemoteFile(session.shell, args.path, data, {
          ...(args.append ? { append: true } : {}),
          ...(args.mode ? { mode: args.mode } : {}),
        });
      });
      return ok(
        { path: args.path, ...r },
        `wrote ${r.bytes} bytes to ${args.path} (sha256 ${r.sha256})`,
      );
    },
  );
}
