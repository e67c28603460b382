import { createHash } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { fileRecord, redactFile } from '../../shell/file-record.js';
import { readRemoteFile } from '../../shell/files.js';
import { LIMITS } from '../limits.js';
import { guardRead } from '../policy-guard.js';
import { progress } from '../progress.js';
import { encodedBytes, ok, withNotices, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

// A text chunk goes out twice (text and structured content), escaped as JSON: it is cut to fit
// the result bound, with room for the rest of the result.
const TEXT_BUDGET = Math.floor((LIMITS.result - 64 * 1024) / 2);

/** The longest prefix of `data` that is whole UTF-8 and takes at most TEXT_BUDGET as JSON. */
function fitText(data: Buffer): Buffer {
  let n = data.length;
  for (;;) {
    // Never inside a character: back up over continuation bytes.
    while (n > 0 && n < data.length && ((data[n] as number) & 0xc0) === 0x80) n--;
    const part = data.subarray(0, n);
    const bytes = encodedBytes(part.toString('utf8'));
    if (bytes <= TEXT_BUDGET || n === 0) return part;
    n = Math.floor(((n * TEXT_BUDGET) / bytes) * 0.98);
  }
}

export function registerReadFile(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'read_file',
    {
      title: 'Read a remote file',
      description: `Reads a remote file, SHA-256 verified: text as utf8, else base64; up to ${LIMITS.readBytes} bytes a call, then again from next_offset until null. Secrets masked.`,
      input: {
        session_id: sessionId,
        path: z.string().min(1).max(LIMITS.path).describe('Remote path'),
        offset: z.number().int().min(0).optional().describe('Byte offset (default 0)'),
        length: z
          .number()
          .int()
          .positive()
          .max(LIMITS.readBytes)
          .optional()
          .describe('Bytes at most (default: the limit)'),
        max_bytes: z
          .number()
          .int()
          .positive()
          .max(LIMITS.readBytes)
          .optional()
          .describe('Old name of length'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      guardRead(session, 'read_file', args.path);
      const length = args.length ?? args.max_bytes ?? LIMITS.readBytes;
      const r = await session.serial(() =>
        readRemoteFile(
          session.shell,
          args.path,
          length,
          (done, total) => progress(extra, done, total, `${done} of ${total} bytes`),
          {
            ...(args.offset ? { offset: args.offset } : {}),
            record: fileRecord(session.nav.pty, session.transcript),
          },
        ),
      );
      const { content: shown, masked } = redactFile(r.content, session.nav.pty.secrets);
      const asText = shown.toString('utf8');
      const isText = Buffer.from(asText, 'utf8').equals(shown) && !asText.includes('\0');
      // Text is sent twice: a chunk whose JSON would not fit is cut (at a character), and the
      // rest is read from next_offset. Only unmasked content can be cut by bytes.
      let content = shown;
      let sha256 = r.sha256;
      if (isText && !masked) {
        content = fitText(shown);
        if (content.length < shown.length) {
          sha256 = createHash('sha256').update(content).digest('hex');
        }
      }
      // Bytes of the file this answer covers (masking changes the length shown, not this).
      const covered = content === shown ? r.content.length : content.length;
      const end = r.offset + covered;
      const next = end < r.size ? end : null;
      const text = content.toString('utf8');
      const more = next === null ? '' : `; more from next_offset ${next}`;
      return withNotices(
        session,
        ok(
          {
            path: args.path,
            content: isText ? text : content.toString('base64'),
            encoding: isText ? 'utf8' : 'base64',
            bytes: covered,
            offset: r.offset,
            size: r.size,
            next_offset: next,
            truncated: next !== null,
            sha256,
            redacted: masked,
          },
          `${args.path}: bytes ${r.offset}..${end} of ${r.size}${more}, sha256 ${sha256}${masked ? ' (secret values masked as ******: the content differs from the file)' : ''}${isText ? `\n${text}` : ' (binary, base64 in structured content)'}`,
        ),
      );
    },
  );
}
