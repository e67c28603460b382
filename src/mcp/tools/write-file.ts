import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { guardWrite } from '../policy-guard.js';
import { fileRecord, writeRemoteFile } from '../../shell/files.js';
import { LIMITS } from '../limits.js';
import { ok, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

/** Whole MiB, for the description. */
const mib = (n: number) => `${n / (1024 * 1024)} MiB`;

export function registerWriteFile(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'write_file',
    {
      title: 'Write a remote file',
      description: `Writes a file at the current hop through the shell: to a temporary file, verified with SHA-256, then renamed into place (a broken transfer never leaves a half-written file). content takes at most ${LIMITS.content} characters per call (${mib(LIMITS.content)}; base64 of ${mib((LIMITS.content / 4) * 3)} of binary), and the whole request must stay under the 10 MiB message limit of stdio once JSON-encoded (send non-ASCII or binary data as base64). Larger files go in chunks: the first call with offset 0 (or none) replaces the file, each next call passes offset = the bytes written so far (the file must be exactly that long; the result's size says it) and is appended once verified. append adds to the end; mode is octal like "644".`,
      input: {
        session_id: sessionId,
        path: z.string().min(1).max(LIMITS.path),
        content: z.string().max(LIMITS.content),
        encoding: z.enum(['utf8', 'base64']).optional().describe('Of content (default utf8)'),
        offset: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe(
            'Byte offset of this chunk: the current file size (0 or none: replace the file)',
          ),
        append: z.boolean().optional(),
        mode: z
          .string()
          .max(4)
          .regex(/^[0-7]{3,4}$/)
          .optional(),
      },
      output: {
        path: z.string(),
        bytes: z.number().int(),
        sha256: z.string().describe('Of the bytes this call wrote'),
        size: z.number().int().optional().describe('The file size after a chunk or append'),
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
      return ok(
        { path: args.path, ...r },
        `wrote ${r.bytes} bytes to ${args.path}${at} (sha256 ${r.sha256})${size}`,
      );
    },
  );
}
