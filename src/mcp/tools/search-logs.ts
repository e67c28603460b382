import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { searchLogs } from '../../shell/search-logs.js';
import { LIMITS } from '../limits.js';
import { guardRead } from '../policy-guard.js';
import { ok, withNotices, tool, type ToolContext } from '../result.js';
import { sessionId } from '../shapes.js';

export function registerSearchLogs(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'search_logs',
    {
      title: 'Search logs',
      description:
        'grep -E at the current hop: lines matching pattern in files under path whose names match include.',
      input: {
        session_id: sessionId,
        pattern: z.string().min(1).max(LIMITS.pattern).describe('Extended regex (grep -E)'),
        path: z.string().max(LIMITS.path).optional().describe('Folder or file (default .)'),
        include: z.string().max(LIMITS.path).optional().describe('File name glob (default *)'),
        max_matches: z.number().int().positive().max(10_000).optional().describe('Default 100'),
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
      return withNotices(session, ok({ matches: r.matches, truncated: r.truncated }, text));
    },
  );
}
