import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { ok, tool, type ToolContext } from '../result.js';

export function registerListProfiles(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'list_profiles',
    {
      title: 'List profiles',
      description:
        'The gateway paths this server can open: name, description, parameters and the hops walked. Pass a name to open_session.',
      input: {},
      output: {
        profiles: z.array(
          z.object({
            name: z.string(),
            description: z.string(),
            params: z.record(
              z.string(),
              z.object({
                description: z.string().optional(),
                default: z.string().optional(),
                pattern: z.string().optional(),
                enum: z.array(z.string()).optional(),
              }),
            ),
            hops: z.array(z.string()),
          }),
        ),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      const registry = await ctx.registry();
      const profiles = registry.openable().map((n) => registry.resolveForListing(n));
      const text = profiles.length
        ? profiles.map((p) => `${p.name}: ${p.description} (${p.hops.join(' -> ')})`).join('\n')
        : 'no profiles loaded: check the --profiles folders';
      return ok({ profiles }, text);
    },
  );
}
