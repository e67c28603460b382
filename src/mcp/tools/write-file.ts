import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { guardWrite } from '../policy-guard.js';
import { fileRecord } from '../../shell/file-record.js';
import { writeRemoteFile } from '../../shell/files.js';
import { LIMITS } from '../limits.js';
import { ok, withNotices, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerWriteFile(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'write_file',
    {
      title: 'Write a remote file',
      description: `Writes a remote file safely (temp file, SHA-256 check, rename). Content over ${LIMITS.content} characters goes in chunks, each with offset = bytes written so far.`,
      input: {
        session_id: sessionId,
        path: z.string().min(1).max(LIMITS.path).describe('Remote path'),
        content: z.string().max(LIMITS.content).describe('The file, or this chunk of it'),
        encoding: z.enum(['utf8', 'base64']).optional().describe('Of content (default utf8)'),
        offset: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Bytes written so far, to add this chunk (0 or none: replace)'),
        append: z.boolean().optional().describe('Add to the end of the file'),
        mode: z
          .string()
          .max(4)
          .regex(/^[0-7]{3,4}$/)
          .optional()
          .describe('Octal, like "644"'),
      },
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
          ...(args.offset ? { offset: args.offset } : {}),
          ...(args.mode ? { mode: args.mode } : {}),
          record: fileRecord(session.nav.pty, session.transcript),
        });
      });
      const at = args.offset ? ` at offset ${args.offset}` : '';
      const size = r.size === undefined ? '' : `; the file is now ${r.size} bytes`;
      return withNotices(
        session,
        ok(
          { path: args.path, ...r },
          `wrote ${r.bytes} bytes to ${args.path}${at} (sha256 ${r.sha256})${size}`,
        ),
      );
    },
  );
}
