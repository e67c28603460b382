import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startLab } from '../../lab/server.js';
import { GatewalkError } from '../errors.js';
import { startInstance } from '../mcp/instance.js';
import { packagePath } from '../paths.js';
import type { CliIo } from './io.js';
import { ALL_CAPS } from '../mcp/caps.js';

export const DEMO_USAGE = `Usage: gatewalk demo [--port N] [--runtime DIR] [--viewer-port N] [--pace MS] [--hold]

Starts the embedded CMSM lab and gatewalk's MCP server, then acts as an agent would, over MCP:
lists the profiles, opens orders-pod (CMSM menu -> master-a -> kubectl exec into the pod), runs
commands, searches the pod's logs, reads a file, moves to payments-api-pod on the same
connection and closes, printing each call with its result and how long it took.
The transcript stays in the runtime folder (default: a temporary one, removed at the end).

It also starts the live viewer and prints its URL. In a terminal, calls are paced (--pace, default
1000 ms there, 0 otherwise) so the session can be watched live, and the viewer stays up at the end
(--hold) for a replay until Ctrl-C.`;

/** Prints a call, its time and the text half of its result, indented. */
function show(io: CliIo, call: string, ms: number, r: CallToolResult): void {
  io.out(`\n> ${call}  (${Math.round(ms)} ms)${r.isError ? '  ERROR' : ''}`);
  const text = r.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  const lines = text.replace(/\n$/, '').split('\n');
  for (const line of lines.slice(0, 14)) io.out(`  ${line}`);
  if (lines.length > 14) io.out(`  ... (${lines.length - 14} more lines)`);
}

/** `gatewalk demo`: an MCP client driving gatewalk against a lab started for the occasion. */
export async function runDemoCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      runtime: { type: 'string' },
      'viewer-port': { type: 'string' },
      pace: { type: 'string' },
      hold: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(DEMO_USAGE);
  const viewerPort = Number(values['viewer-port'] ?? 8765);
  if (!Number.isInteger(viewerPort) || viewerPort < 0 || viewerPort > 65535)
    throw new GatewalkError('usage', `--viewer-port takes a port number\n\n${DEMO_USAGE}`);
  const lab = await startLab({ port: Number(values.port ?? 0) });
  const runtimeRoot = values.runtime ?? mkdtempSync(join(tmpdir(), 'gatewalk-demo-'));
  const instance = startInstance({
    profileDirs: [packagePath('profiles')],
    runtimeRoot,
    watchProfiles: false,
    clientLabel: 'demo',
    // The demo uses every tool group (files, targets...).
    caps: ALL_CAPS,
  });
  const client = new Client({ name: 'gatewalk-demo', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  io.out(`lab listening on ${lab.host}:${lab.port} (host key ${lab.fingerprint})`);
  io.out(`gatewalk MCP server (in-process), runtime ${instance.runtime.dir}`);
  const interactive = io.terminal !== undefined;
  const pace = Number(values.pace ?? (interactive ? 1000 : 0));
  const hold = values.hold ?? interactive;
  const viewer = await instance.startViewer(viewerPort).catch(async (err: unknown) => {
    await instance.shutdown('demo over');
    await lab.close();
    throw err;
  });
  io.out(`live viewer: ${viewer.url}`);
  let closedId: string | undefined;
  try {
    await instance.newServer().connect(serverSide);
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      // Presentation pacing only (so a person can follow in the viewer); nothing waits on it.
      if (pace > 0) await new Promise((r) => setTimeout(r, pace));
      const t0 = performance.now();
      const r = (await client.callTool(
        { name, arguments: args },
        undefined,
        name === 'open_session' || name === 'switch_target'
          ? { onprogress: (p) => io.out(`  ... ${p.message ?? ''}`) }
          : {},
      )) as CallToolResult;
      const shown = Object.entries(args)
        .filter(([k]) => k !== 'session_id')
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ');
      show(io, `${name}(${shown})`, performance.now() - t0, r);
      if (r.isError) throw new Error(`${name} failed`);
      return r.structuredContent as Record<string, unknown>;
    };
    const params = { lab_port: lab.port };
    await call('list_profiles');
    const opened = await call('open_session', { profile: 'orders-pod', params, label: 'demo' });
    const session_id = opened.session_id as string;
    io.out(`  watch it live: ${String(opened.viewer_url)}`);
    await call('execute_command', { session_id, command: 'hostname; id -un; pwd' });
    await call('execute_command', { session_id, command: 'ls -l var/log/app' });
    await call('search_logs', { session_id, pattern: 'ERROR', path: 'var/log/app' });
    await call('read_file', { session_id, path: 'etc/app/application.yaml' });
    await call('execute_command', { session_id, command: 'sh -c "exit 3"' });
    await call('switch_target', { session_id, profile: 'payments-api-pod', params });
    await call('execute_command', { session_id, command: 'grep -c ERROR var/log/app/app.log' });
    closedId = session_id;
    const closed = await call('close_session', { session_id });
    io.out(`\nclosed: left every hop with its exit; transcript ${String(closed.transcript)}`);
    if (!values.runtime)
      io.out(
        '(the demo removes its runtime folder at the end: --runtime DIR keeps the transcript)',
      );
  } catch (err) {
    await cleanup();
    throw err;
  }
  if (!hold) return cleanup();
  io.out(
    `\nthe viewer stays up for a replay: ${viewer.sessionUrl(closedId ?? '')}\nCtrl-C to stop.`,
  );
  io.onShutdown(cleanup);
  return new Promise<void>(() => {});

  async function cleanup(): Promise<void> {
    await client.close().catch(() => undefined);
    await instance.shutdown('demo over');
    await lab.close();
    if (!values.runtime) rmSync(runtimeRoot, { recursive: true, force: true });
  }
}
