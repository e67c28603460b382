// Transcripts as MCP resources (issue 14): `gatewalk://sessions/<id>/transcript` for every
// session the server remembers, open or closed, so a client reads the audit log as a resource
// and results link to it instead of inlining it.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { LIMITS } from './limits.js';
import type { ToolContext } from './result.js';

const MIME = 'application/x-ndjson';
/** A resource read stays under the result bound: the file's last 3 MiB, in whole lines. */
const MAX_BYTES = LIMITS.result / 2;

export function transcriptUri(sessionId: string): string {
  return `gatewalk://sessions/${encodeURIComponent(sessionId)}/transcript`;
}

/** A link to a session's transcript, for a tool result's content. */
export function transcriptLink(sessionId: string): ResourceLink {
  return {
    type: 'resource_link',
    uri: transcriptUri(sessionId),
    name: `transcript ${sessionId}`,
    mimeType: MIME,
    description: 'The session audit transcript (JSON lines; secrets as [secret])',
  };
}

/** The file's text, or its last MAX_BYTES starting at a line: every line stays valid JSON. */
function readBounded(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - MAX_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return text;
  } finally {
    closeSync(fd);
  }
}

export function registerTranscriptResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'transcript',
    new ResourceTemplate('gatewalk://sessions/{session_id}/transcript', {
      list: () => ({
        resources: ctx.manager.all().map((s) => {
          const info = s.info();
          return {
            uri: transcriptUri(s.id),
            name: `transcript ${s.id}`,
            description: `${info.profile}${info.label ? ` (${info.label})` : ''}, ${info.state}, opened ${info.opened_at}`,
            mimeType: MIME,
          };
        }),
      }),
    }),
    {
      title: 'Session transcripts',
      description: `Each session's audit transcript as JSON lines (secrets as [secret]); at most the last ${MAX_BYTES / 1024 / 1024} MiB of it`,
      mimeType: MIME,
    },
    (uri, variables) => {
      const id = decodeURIComponent(String(variables.session_id ?? ''));
      const session = ctx.manager.get(id);
      const text = readBounded(session.transcript.path);
      return { contents: [{ uri: uri.href, mimeType: MIME, text }] };
    },
  );
}
