// The built `gatewalk serve`, spawned the way Claude Code or Codex start an MCP server, driven
// over stdio by the SDK's real Client against the lab.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { labOnFreePort } from '../helpers/lab.js';

let lab: Lab;
let runtime: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  runtime = mkdtempSync(join(tmpdir(), 'gatewalk-stdio-'));
});

afterAll(async () => {
  await lab.close();
  rmSync(runtime, { recursive: true, force: true });
});

/** Resolves once the process is gone (the transport does not expose the child itself). */
function gone(pid: number | null): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      try {
        process.kill(pid ?? 0, 0);
      } catch {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
}

function serve(): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [
      packagePath('dist', 'src', 'cli', 'index.js'),
      'serve',
      '--profiles',
      packagePath('profiles'),
      '--runtime',
      runtime,
    ],
    env: { PATH: process.env.PATH ?? '', HOME: runtime, GATEWALK_CLIENT_LABEL: 'stdio-test' },
    stderr: 'pipe',
  });
}

it('serves the tools over stdio and exits cleanly when stdin closes', async () => {
  const transport = serve();
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Anything on stdout that is not protocol would surface here as a parse error.
  const problems: Error[] = [];
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  client.onerror = (err) => problems.push(err);
  await client.connect(transport);
  const pid = transport.pid;
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    return r.structuredContent as Record<string, unknown>;
  };

  const { tools } = await client.listTools();
  // The core tools: the other groups are served with --caps.
  expect(tools.length).toBe(10);
  const opened = await call('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
  });
  const sid = opened.session_id as string;
  const r = await call('execute_command', { session_id: sid, command: 'echo "from $PWD" | wc -l' });
  expect(r).toMatchObject({ status: 'done', exit_code: 0, output: '1\n' });
  await call('close_session', { session_id: sid });

  const exited = gone(pid);
  await client.close();
  await exited;
  expect(problems).toEqual([]);
  expect(stderr).toContain('runtime');
  // Started once initialize was answered.
  expect(stderr).toMatch(/live viewer http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  expect(lab.connections()).toBe(0);

  // The instance folder: server.json with the client label, and the session's 0600 transcript.
  const [instance] = readdirSync(join(runtime, 'servers'));
  const dir = join(runtime, 'servers', instance ?? '');
  const record = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { client: string };
  expect(record.client).toBe('stdio-test');
  const transcript = join(dir, 'transcripts', `${sid}.jsonl`);
  expect(statSync(transcript).mode & 0o777).toBe(0o600);
  expect(readFileSync(transcript, 'utf8')).toContain('"client":"stdio-test"');
});

it('closes every session, leaving its hops, on SIGTERM', async () => {
  const transport = serve();
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  const r = (await client.callTool({
    name: 'open_session',
    arguments: { profile: 'orders-pod', params: { lab_port: lab.port } },
  })) as CallToolResult;
  const sid = (r.structuredContent as { session_id: string }).session_id;
  expect(lab.connections()).toBe(1);
  const exited = gone(transport.pid);
  process.kill(transport.pid ?? 0, 'SIGTERM');
  await exited;
  expect(lab.connections()).toBe(0);
  const dirs = readdirSync(join(runtime, 'servers')).map((d) => join(runtime, 'servers', d));
  const file = dirs
    .map((d) => join(d, 'transcripts', `${sid}.jsonl`))
    .find((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  const lines = readFileSync(file ?? '', 'utf8')
    .trim()
    .split('\n');
  // The pod and master were left with their exits before the connection closed.
  expect(lines.filter((l) => l.includes('"type":"send"') && l.includes('exit')).length).toBe(2);
  expect(JSON.parse(lines.at(-2) ?? '{}')).toMatchObject({ type: 'state', state: 'closed' });
  expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ type: 'note', kind: 'end' });
  await client.close().catch(() => undefined);
});

it('refuses a 12 MiB request with an error, and the spawned server and its session go on', async () => {
  const transport = serve();
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  const r = (await client.callTool({
    name: 'open_session',
    arguments: { profile: 'orders-pod', params: { lab_port: lab.port } },
  })) as CallToolResult;
  const sid = (r.structuredContent as { session_id: string }).session_id;
  // Over the SDK's 10 MiB message limit: before, the server's transport closed and gatewalk
  // shut down with every session.
  const huge = client.callTool({
    name: 'write_file',
    arguments: { session_id: sid, path: 'huge.bin', content: 'A'.repeat(12 * 1024 * 1024) },
  });
  await expect(huge).rejects.toThrow(/over the 10 MiB limit/);
  process.kill(pid ?? 0, 0);
  const after = (await client.callTool({
    name: 'execute_command',
    arguments: { session_id: sid, command: 'echo still-here' },
  })) as CallToolResult;
  expect(after.structuredContent).toMatchObject({ status: 'done', output: 'still-here\n' });
  const exited = gone(pid);
  await client.close();
  await exited;
  expect(lab.connections()).toBe(0);
});
