import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { MAX_FILE_BYTES, readRemoteFile } from '../../shell/files.js';
import { guardRead } from '../policy-guard.js';
import { ok, progress, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerReadFile(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'read_file',
    {
      title: 'Read a remote file',
      description: `Reads a file at the current hop (inside the pod) through the shell, base64 in chunks, verified with SHA-256. Text comes back as utf8, anything else as base64. Up to max_bytes (default and limit ${MAX_FILE_BYTES}).`,
      input: {
        session_id: sessionId,
        path: z.string().min(1),
        max_bytes: z.number().int().positive().max(MAX_FILE_BYTES).optional(),
      },
      output: {
        path: z.string(),
        content: z.string(),
        encoding: z.enum(['utf8', 'base64']),
        bytes: z.number().int(),
        size: z.number().int().describe('The whole file size on the remote side'),
        truncated: z.boolean(),
        sha256: z.string(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      guardRead(session, 'read_file', args.path);
      const r = await session.serial(() =>
        readRemoteFile(session.shell, args.path, args.max_bytes, (done, total) =>
          progress(extra, done, total, `${done} of ${total} bytes`),
        ),
      );
      const text = r.content.toString('utf8');
      const isText = Buffer.from(text, 'utf8').equals(r.content) && !text.includes('\0');
      const content = isText ? text : r.content.toString('base64');
      return ok(
        {
          path: args.path,
          content,
          encoding: isText ? 'utf8' : 'base64',
          bytes: r.content.length,
          size: r.size,
          truncated: r.truncated,
          sha256: r.sha256,
        },
        `${args.path}: ${r.content.length} of ${r.size} bytes${r.truncated ? ' (truncated)' : ''}, sha256 ${r.sha256}${isText ? `\n${text}` : ' (binary, base64 in structured content)'}`,
      );
    },
  );
}
