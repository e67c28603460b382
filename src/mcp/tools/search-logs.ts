import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { searchLogs } from '../../shell/search-logs.js';
import { LIMITS } from '../limits.js';
import { guardRead } from '../policy-guard.js';
import { ok, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerSearchLogs(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'search_logs',
    {
      title: 'Search logs',
      description:
        'find + grep -E at the current hop: lines matching pattern in files under path whose names match include (a glob, default *), at most max_matches (default 100).',
      input: {
        session_id: sessionId,
        pattern: z.string().min(1).max(LIMITS.pattern).describe('An extended regex (grep -E)'),
        path: z.string().max(LIMITS.path).optional().describe('Folder or file (default .)'),
        include: z.string().max(LIMITS.path).optional(),
        max_matches: z.number().int().positive().max(10_000).optional(),
      },
      output: {
        matches: z.array(z.object({ file: z.string(), line: z.number().int(), text: z.string() })),
        truncated: z.boolean(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args) => {
      const session = ctx.manager.get(args.session_id);
      guardRead(session, 'search_logs', args.path ?? '.');
      const r = await session.serial(() =>
        searchLogs(session.shell, args.pattern, args.path, args.include, args.max_matches),
      );
      const text = r.matches.length
        ? r.matches.map((m) => `${m.file}:${m.line}: ${m.text}`).join('\n') +
          (r.truncated ? '\n[more matches: raise max_matches or narrow the pattern]' : '')
        : `no match for /${args.pattern}/`;
      return ok({ matches: r.matches, truncated: r.truncated }, text);
    },
  );
}
