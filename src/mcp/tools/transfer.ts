// upload and download: files between this machine (a confined folder) and the current hop.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { GatewalkError } from '../../errors.js';
import { fileRecord } from '../../shell/file-record.js';
import { MAX_FILE_BYTES } from '../../shell/files.js';
import { download, upload } from '../../shell/transfer.js';
import { LIMITS } from '../limits.js';
import { guardRead, guardWrite } from '../policy-guard.js';
import { progress } from '../progress.js';
import { ok, withNotices, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

const onConflict = z
  .enum(['fail', 'overwrite', 'rename'])
  .optional()
  .describe('If the target exists: fail (default), overwrite, or rename (adds .1, .2 ...)');

const MIB = 1024 * 1024;
const localPath = "Relative to the server's transfer folder";

function root(ctx: ToolContext): string {
  if (!ctx.localRoot)
    throw new GatewalkError(
      'transfer_disabled',
      'this server has no transfer folder: start it with --transfer-dir DIR to move files',
    );
  return ctx.localRoot;
}

export function registerUpload(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'upload',
    {
      title: 'Upload a file',
      description: `Copies a file from the server's transfer folder to the current hop, SHA-256 verified; up to ${MAX_FILE_BYTES / MIB} MiB.`,
      input: {
        session_id: sessionId,
        local_path: z.string().min(1).max(LIMITS.path).describe(localPath),
        remote_path: z.string().min(1).max(LIMITS.path).describe('Remote path'),
        on_conflict: onConflict,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      guardWrite(session, 'upload', args.remote_path, `upload to ${args.remote_path}`);
      const r = await session.serial(() => {
        guardWrite(session, 'upload', args.remote_path, `upload to ${args.remote_path}`);
        return upload(session.shell, args.local_path, args.remote_path, {
          localRoot: root(ctx),
          onConflict: args.on_conflict ?? 'fail',
          onProgress: (done, total) => progress(extra, done, total, `${done} of ${total} bytes`),
          record: fileRecord(session.nav.pty, session.transcript),
        });
      });
      return withNotices(
        session,
        ok(
          { remote_path: r.remotePath, bytes: r.bytes, sha256: r.sha256 },
          `uploaded ${r.bytes} bytes to ${r.remotePath} (sha256 ${r.sha256})`,
        ),
      );
    },
  );
}

export function registerDownload(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'download',
    {
      title: 'Download a file',
      description: `Copies a remote file into the server's transfer folder, SHA-256 verified; up to ${MAX_FILE_BYTES / MIB} MiB. Secrets masked.`,
      input: {
        session_id: sessionId,
        remote_path: z.string().min(1).max(LIMITS.path).describe('Remote path'),
        local_path: z.string().min(1).max(LIMITS.path).describe(localPath),
        on_conflict: onConflict,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      const session = ctx.manager.get(args.session_id);
      guardRead(session, 'download', args.remote_path);
      const r = await session.serial(() =>
        download(session.shell, args.remote_path, args.local_path, {
          localRoot: root(ctx),
          onConflict: args.on_conflict ?? 'fail',
          onProgress: (done, total) => progress(extra, done, total, `${done} of ${total} bytes`),
          record: fileRecord(session.nav.pty, session.transcript),
          secrets: session.nav.pty.secrets,
        }),
      );
      return withNotices(
        session,
        ok(
          { local_path: r.localPath, bytes: r.bytes, sha256: r.sha256, redacted: r.redacted },
          `downloaded ${r.bytes} bytes to ${r.localPath} (sha256 ${r.sha256})${r.redacted ? '; secret values of the session were masked as ****** in the local copy' : ''}`,
        ),
      );
    },
  );
}
