// Tool groups beyond the core tools, served only when asked for with `--caps` (Playwright MCP's
// convention). Apart from server.ts so that the CLI checks the flag without loading the tools.
import { GatewalkError } from '../errors.js';

/** Tool groups served only when asked for, with `--caps` (Playwright MCP's convention). */
export const CAP_GROUPS = {
  files: 'read_file, write_file, upload, download, search_logs',
  screen: 'send_keys, wait_for',
  targets: 'switch_target',
  history: 'list_commands, get_transcript',
} as const;

export type Cap = keyof typeof CAP_GROUPS;

export const ALL_CAPS = Object.keys(CAP_GROUPS) as Cap[];

/**
 * The groups named in a `--caps` value ("files,screen", "all"); throws a GatewalkError naming
 * an unknown group and the known ones.
 */
export function parseCaps(value: string): Cap[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const caps = new Set<Cap>();
  for (const name of names) {
    if (name === 'all') ALL_CAPS.forEach((c) => caps.add(c));
    else if (Object.hasOwn(CAP_GROUPS, name)) caps.add(name as Cap);
    else
      throw new GatewalkError(
        'usage',
        `unknown tool group "${name}": use ${ALL_CAPS.join(', ')} or all, separated by commas`,
      );
  }
  return [...caps];
}
