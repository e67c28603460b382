// The tool list's cost (issue 14): tools/list goes to the model on every turn, so the default
// tool set stays within a budget of characters on the wire, every parameter says what it is, no
// schema uses a form some clients reject, and the other tool groups come only with --caps.
import { serveHttp, serveIo } from '../helpers/io.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { runServeCommand, SERVE_USAGE } from '../../src/cli/serve-command.js';
import { ALL_CAPS, CAP_GROUPS, parseCaps, type Cap } from '../../src/mcp/caps.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

/** Characters of the default tools/list result, as JSON: the goal. */
const BUDGET = 10_000;
/** A parameter's description at most: a phrase, not a paragraph. */
const PARAM_DESCRIPTION_MAX = 100;

const CORE = [
  'list_profiles',
  'open_session',
  'list_sessions',
  'execute_command',
  'get_command',
  'send_text',
  'get_screen',
  'interrupt',
  'close_session',
  'reopen',
];

const groupTools = (cap: Cap) => CAP_GROUPS[cap].split(', ');

async function listed(caps: Cap[]): Promise<{ size: number; result: ListToolsResult }> {
  const c = await connectClient({ caps });
  try {
    const result = await c.client.listTools();
    return { size: JSON.stringify(result).length, result };
  } finally {
    await c.close();
  }
}

/** Every place in a JSON Schema where a value's type is given as a list or a union. */
function unions(schema: unknown, path: string, out: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((s, i) => unions(s, `${path}[${i}]`, out));
  else if (schema && typeof schema === 'object') {
    const o = schema as Record<string, unknown>;
    if (Array.isArray(o.type)) out.push(`${path}.type`);
    for (const k of ['anyOf', 'oneOf', 'allOf']) if (k in o) out.push(`${path}.${k}`);
    for (const [k, v] of Object.entries(o)) unions(v, `${path}.${k}`, out);
  }
  return out;
}

function undescribed(result: ListToolsResult): string[] {
  const missing: string[] = [];
  for (const t of result.tools) {
    const props = (t.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
    for (const [key, p] of Object.entries(props)) {
      const d = p.description?.trim() ?? '';
      if (!d || d.length > PARAM_DESCRIPTION_MAX) missing.push(`${t.name}.${key} (${d.length})`);
    }
  }
  return missing;
}

describe('the tool list', () => {
  it(`costs at most ${BUDGET} characters by default, with the core tools only`, async () => {
    const { size, result } = await listed([]);
    console.log(`tools/list, default (${result.tools.length} tools): ${size} characters`);
    expect(result.tools.map((t) => t.name)).toEqual(CORE);
    expect(size).toBeLessThanOrEqual(BUDGET);
  });

  it('describes every parameter, shortly, in every group', async () => {
    const all = await listed(ALL_CAPS);
    console.log(
      `tools/list, --caps all (${all.result.tools.length} tools): ${all.size} characters`,
    );
    expect(all.result.tools).toHaveLength(CORE.length + ALL_CAPS.flatMap(groupTools).length);
    expect(undescribed(all.result)).toEqual([]);
    for (const t of all.result.tools) expect(t.description?.trim(), t.name).toBeTruthy();
  });

  it('uses no type list or union any client could reject; params values are strings', async () => {
    const { result } = await listed(ALL_CAPS);
    expect(result.tools.flatMap((t) => unions(t.inputSchema, t.name))).toEqual([]);
    const open = result.tools.find((t) => t.name === 'open_session');
    const params = (open?.inputSchema.properties as Record<string, Record<string, unknown>>).params;
    expect(params?.additionalProperties).toEqual({ type: 'string', maxLength: 4096 });
  });

  it('serves each group exactly when asked for', async () => {
    for (const cap of ALL_CAPS) {
      const { result } = await listed([cap]);
      expect(result.tools.map((t) => t.name).sort(), cap).toEqual(
        [...CORE, ...groupTools(cap)].sort(),
      );
    }
  });

  it('parses --caps values, and names the known groups for an unknown one', () => {
    expect(parseCaps('')).toEqual([]);
    expect(parseCaps('files, screen,files')).toEqual(['files', 'screen']);
    expect(parseCaps('all').sort()).toEqual([...ALL_CAPS].sort());
    expect(() => parseCaps('files,toString')).toThrow(
      /unknown tool group "toString": use files, screen, targets, history or all/,
    );
  });
});

describe('params given as numbers and booleans', () => {
  let lab: Lab;
  let c: Connected;
  beforeAll(async () => {
    lab = await labOnFreePort();
    c = await connectClient({ caps: [] });
  });
  afterAll(async () => {
    await c.close();
    await lab.close();
  });

  it('are taken as their text', async () => {
    // lab_port is advertised as a string; a number still opens the session.
    const opened = await c.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    });
    await c.ok('close_session', { session_id: opened.session_id });
    const again = await c.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: String(lab.port) },
    });
    await c.ok('close_session', { session_id: again.session_id });
    // Anything else is still refused, naming the parameter.
    expect(
      await c.fails('open_session', { profile: 'orders-pod', params: { lab_port: { n: 1 } } }),
    ).toMatch(/params\.lab_port|lab_port/);
  });
});

describe('gatewalk serve --caps', () => {
  const testIo = (runtime: string) => serveIo(runtime, 'tok-caps');

  it('lists the groups in its usage', () => {
    for (const cap of ALL_CAPS)
      expect(SERVE_USAGE).toContain(`${cap.padEnd(8)} ${CAP_GROUPS[cap]}`);
  });

  it('refuses an unknown group with exit 2, before anything starts', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-caps-'));
    try {
      const { io, errs } = testIo(runtime);
      expect(await runServeCommand(['--http', '0', '--caps', 'files,viewer'], io)).toBe(2);
      expect(errs.join('\n')).toMatch(/--caps: unknown tool group "viewer"/);
      expect(errs.join('\n')).not.toMatch(/MCP on/);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('serves the groups it names beside the core tools', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-caps-'));
    const { stop, url } = await serveHttp(runtime, 'tok-caps', ['--caps', 'files,targets']);
    const client = new Client({ name: 'caps-test', version: '1.0.0' });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: 'Bearer tok-caps' } },
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        [...CORE, ...groupTools('files'), ...groupTools('targets')].sort(),
      );
    } finally {
      await client.close().catch(() => undefined);
      await stop();
      rmSync(runtime, { recursive: true, force: true });
    }
  });
});
