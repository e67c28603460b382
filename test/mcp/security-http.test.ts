// MCP over Streamable HTTP with the real SDK client: the bearer token, Origin and Host checks,
// and gateway sessions shared between HTTP clients.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { listenHttp, type HttpListener } from '../../src/mcp/http.js';
import { startInstance, type Instance } from '../../src/mcp/instance.js';
import { packagePath } from '../../src/paths.js';
import { labOnFreePort } from '../helpers/lab.js';

const token = randomBytes(24).toString('base64url');
let lab: Lab;
let root: string;
let instance: Instance;
let listener: HttpListener;
const clients: Client[] = [];

beforeAll(async () => {
  lab = await labOnFreePort();
  root = mkdtempSync(join(tmpdir(), 'gatewalk-http-'));
  instance = startInstance({
    profileDirs: [packagePath('profiles')],
    runtimeRoot: root,
    watchProfiles: false,
    caps: ['history'],
  });
  listener = await listenHttp({
    port: 0,
    token,
    newServer: () => instance.newServer(),
    log: () => undefined,
  });
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await listener?.close();
  await instance?.shutdown('test over');
  await lab?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** An SDK client over Streamable HTTP; `auth` is the Authorization header (none if null). */
async function httpClient(auth: string | null = `Bearer ${token}`): Promise<Client> {
  const client = new Client({ name: 'gatewalk-http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(listener.url), {
    requestInit: auth === null ? {} : { headers: { Authorization: auth } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function ok<T>(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  if (r.isError) throw new Error(`${name} failed: ${text}`);
  return r.structuredContent as T;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1.0.0' },
  },
});

/** A raw POST (an initialize request unless told), with these headers (Host included). */
function rawInitialize(
  headers: Record<string, string>,
  body = INITIALIZE,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: listener.port,
        path: '/mcp',
        method: 'POST',
        headers: {
          host: `127.0.0.1:${listener.port}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('MCP over Streamable HTTP', () => {
  it('listens on loopback only', () => {
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}/mcp`);
    expect(listener.port).toBeGreaterThan(0);
  });

  it('serves a client with the token: tools, and a lab session', async () => {
    const client = await httpClient();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('open_session');
    const opened = await ok<{ session_id: string; prompt: string }>(client, 'open_session', {
      profile: 'cmsm',
      params: { lab_port: lab.port },
    });
    expect(opened.prompt).toMatch(/Target IP: $/);
    await ok(client, 'close_session', { session_id: opened.session_id });
  });

  it('refuses a client without the token or with a wrong one (401)', async () => {
    for (const auth of [null, 'Bearer wrong-token', `Basic ${token}`, `Bearer ${token}x`]) {
      const err = await httpClient(auth).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, String(auth)).toBeInstanceOf(StreamableHTTPError);
      expect((err as StreamableHTTPError).code).toBe(401);
    }
    const raw = await rawInitialize({});
    expect(raw.status).toBe(401);
    expect(raw.body).toContain('missing or wrong bearer token (Authorization: Bearer <token>)');
  });

  it('refuses a foreign Origin (403), even with the token', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null']) {
      const r = await rawInitialize({ ...auth, origin });
      expect(r.status, origin).toBe(403);
      expect(r.body).toContain(`Origin ${origin} not allowed`);
    }
    // A page on this machine's loopback may.
    const local = await rawInitialize({ ...auth, origin: 'http://localhost:5173' });
    expect(local.status).toBe(200);
  });

  it('refuses a Host other than 127.0.0.1 or localhost (403): no DNS rebinding', async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const host of [
      `evil.example:${listener.port}`,
      `127.0.0.1.nip.io:${listener.port}`,
      `127.0.0.1:${listener.port + 1}`,
      'localhost',
    ]) {
      const r = await rawInitialize({ ...auth, host });
      expect(r.status, host).toBe(403);
      expect(r.body).toContain('Host not allowed: connect to 127.0.0.1 or localhost');
    }
    // The same request with a loopback Host goes through.
    expect((await rawInitialize({ ...auth, host: `localhost:${listener.port}` })).status).toBe(200);
  });

  it('shares gateway sessions between clients', async () => {
    const a = await httpClient();
    const b = await httpClient();
    const opened = await ok<{ session_id: string }>(a, 'open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
      label: 'shared',
    });
    const { sessions } = await ok<{ sessions: { session_id: string; label: string }[] }>(
      b,
      'list_sessions',
    );
    expect(sessions).toContainEqual(
      expect.objectContaining({ session_id: opened.session_id, label: 'shared' }),
    );
    const r = await ok<{ output: string; exit_code: number }>(b, 'execute_command', {
      session_id: opened.session_id,
      command: 'echo from-b',
    });
    expect(r.exit_code).toBe(0);
    expect(r.output).toBe('from-b\n');
    // What b ran is in a's view of the session too.
    const { commands } = await ok<{ commands: { command: string }[] }>(a, 'list_commands', {
      session_id: opened.session_id,
    });
    expect(commands.map((c) => c.command)).toContain('echo from-b');
    await ok(b, 'close_session', { session_id: opened.session_id });
    const after = await ok<{ sessions: { session_id: string; state: string }[] }>(
      a,
      'list_sessions',
    );
    expect(after.sessions.find((s) => s.session_id === opened.session_id)?.state).toBe('closed');
  });

  it('answers a request outside any MCP session at once: 400, or 404 for an unknown id', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const none = await rawInitialize(auth, list);
    expect(none.status).toBe(400);
    expect(none.body).toContain('no valid MCP session: start with an initialize request');
    // The spec's answer to an unknown session id, so a client starts a new session.
    const unknown = await rawInitialize({ ...auth, 'mcp-session-id': 'not-a-session' }, list);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('no MCP session not-a-session');
    const bad = await rawInitialize(auth, '{"jsonrpc": ');
    expect(bad.status).toBe(400);
  });
});
