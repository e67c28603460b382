import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ok, tool, type ToolContext } from '../result.js';

export function registerListProfiles(server: McpServer, ctx: ToolContext): void {
  tool(
    server,
    'list_profiles',
    {
      title: 'List profiles',
      description:
        'Profiles this server can open: name, description, parameters, hops. Pass the name to open_session.',
      input: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      const registry = await ctx.registry();
      const profiles = registry.openable().map((n) => registry.resolveForListing(n));
      const text = profiles.length
        ? profiles.map((p) => `${p.name}: ${p.description} (${p.hops.join(' -> ')})`).join('\n')
        : `no profiles loaded (looked in ${registry.from.join(', ')}): put profile files there, or start gatewalk serve with --profiles DIR`;
      return ok({ profiles }, text);
    },
  );
}
