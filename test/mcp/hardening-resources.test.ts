// Issue 13, finding 9 and the empty session_id: what a long-lived server holds is bounded. HTTP
// MCP sessions nobody uses expire (and their memory goes), their number is capped, the viewer's
// event streams are capped, closed gateway sessions are remembered only up to a count; and
// `session_id: ""` is an error, never "the only open session".
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { GatewalkError } from '../../src/errors.js';
import { listenHttp, type HttpListener, type HttpOptions } from '../../src/mcp/http.js';
import { ALL_CAPS } from '../../src/mcp/caps.js';
import { startInstance, type Instance } from '../../src/mcp/instance.js';
import { packagePath } from '../../src/paths.js';
import { liveCatalog } from '../../src/viewer/catalog.js';
import { startViewer, type Viewer } from '../../src/viewer/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, until, type Connected } from './helpers.js';

// A real garbage collection, to measure what is still referenced (not what is merely garbage).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const token = randomBytes(24).toString('base64url');
let lab: Lab;
let root: string;
let instance: Instance;
const listeners: HttpListener[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  lab = await labOnFreePort();
  root = mkdtempSync(join(tmpdir(), 'gatewalk-res-'));
  instance = startInstance({
    profileDirs: [packagePath('profiles')],
    runtimeRoot: root,
    watchProfiles: false,
    // Every tool: the memory an abandoned MCP session holds is measured with all of them.
    caps: ALL_CAPS,
  });
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const l of listeners) await l.close();
  await instance?.shutdown('test over');
  await lab?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function listen(options: Partial<HttpOptions>): Promise<HttpListener> {
  const l = await listenHttp({
    port: 0,
    token,
    newServer: () => instance.newServer(),
    log: () => undefined,
    ...options,
  });
  listeners.push(l);
  return l;
}

interface Raw {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/** One HTTP request to 127.0.0.1:port, with a loopback Host; the whole answer. */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const MCP_HEADERS = {
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'abandoning', version: '1.0.0' },
  },
});

/** An initialize over raw HTTP, never followed up: the client goes away without a DELETE. */
async function abandonedInitialize(l: HttpListener): Promise<Raw> {
  return raw(l.port, 'POST', '/mcp', MCP_HEADERS, INITIALIZE);
}

function toolsList(l: HttpListener, sid: string): Promise<Raw> {
  return raw(
    l.port,
    'POST',
    '/mcp',
    { ...MCP_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  );
}

async function sdkClient(l: HttpListener): Promise<Client> {
  const client = new Client({ name: 'gatewalk-res-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(l.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

async function ok<T>(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  if (r.isError) throw new Error(`${name} failed: ${text}`);
  return r.structuredContent as T;
}

describe('HTTP MCP sessions nobody uses', () => {
  it('expire, and the memory of 200 abandoned ones is freed', async () => {
    const l = await listen({ idleExpiryMs: 6000, maxSessions: 1000 });
    const before = heapAfterGc();
    for (let i = 0; i < 20; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => abandonedInitialize(l)));
      for (const r of batch) expect(r.status).toBe(200);
    }
    // Most are still there (on a loaded machine the first may have expired already).
    const open = l.sessions();
    expect(open).toBeGreaterThan(100);
    const held = heapAfterGc() - before;
    // An MCP server with its tools is sizeable (about 300 KB): clearly visible on the heap.
    expect(held).toBeGreaterThan(open * 100_000);
    await until(
      () => l.sessions(),
      (n) => n === 0,
      20_000,
    );
    const left = heapAfterGc() - before;
    // What they held is gone: less than a tenth remains (allocator noise, lazily loaded code).
    expect(left).toBeLessThan(held / 10);
  }, 60_000);

  it('answer 404 once expired, so the client initializes again', async () => {
    const l = await listen({ idleExpiryMs: 1000 });
    const init = await abandonedInitialize(l);
    const sid = init.headers['mcp-session-id'];
    expect(typeof sid).toBe('string');
    // Used now: answered.
    expect((await toolsList(l, sid as string)).status).toBe(200);
    await until(
      () => l.sessions(),
      (n) => n === 0,
    );
    const gone = await toolsList(l, sid as string);
    expect(gone.status).toBe(404);
    expect(gone.body).toContain(`no MCP session ${sid as string}`);
    expect(gone.body).toContain('initialize a new one');
    expect((await abandonedInitialize(l)).status).toBe(200);
  });

  it('do not expire while used: requests keep them, and so does a connected client', async () => {
    const l = await listen({ idleExpiryMs: 1000 });
    const sid = (await abandonedInitialize(l)).headers['mcp-session-id'] as string;
    // A request every 100 ms for 3 s: three expiry periods, never 1 s without one.
    for (let i = 0; i < 30; i++) {
      expect((await toolsList(l, sid)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The SDK's client holds its event stream open (GET /mcp): it is in use, not idle.
    const client = await sdkClient(l);
    await new Promise((r) => setTimeout(r, 3000));
    // The raw one, unused since, expired; the connected client's did not.
    expect(l.sessions()).toBe(1);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
  }, 30_000);

  it('leave the gateway sessions they opened open: those are shared and close on their own', async () => {
    // 3 s: a loaded machine may take over 1 s between a client's initialize and its next call.
    const l = await listen({ idleExpiryMs: 3000 });
    const a = await sdkClient(l);
    const opened = await ok<{ session_id: string }>(a, 'open_session', {
      profile: 'cmsm',
      params: { lab_port: lab.port },
      label: 'outlives its client',
    });
    // The client goes away without ending its MCP session (no DELETE): it expires.
    await a.close();
    await until(
      () => l.sessions(),
      (n) => n === 0,
      15_000,
    );
    const b = await sdkClient(l);
    const { sessions } = await ok<{ sessions: { session_id: string; state: string }[] }>(
      b,
      'list_sessions',
    );
    expect(sessions.find((s) => s.session_id === opened.session_id)?.state).toBe('ready');
    await ok(b, 'close_session', { session_id: opened.session_id });
  });

  it('are capped: an initialize past the cap gets 503 with what to do, until one ends', async () => {
    const l = await listen({ maxSessions: 3 });
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await abandonedInitialize(l);
      expect(r.status).toBe(200);
      sids.push(r.headers['mcp-session-id'] as string);
    }
    const refused = await abandonedInitialize(l);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('too many MCP sessions open (3)');
    expect(refused.body).toContain('DELETE /mcp');
    // The sessions there are still served.
    expect((await toolsList(l, sids[0] as string)).status).toBe(200);
    const ended = await raw(l.port, 'DELETE', '/mcp', {
      ...MCP_HEADERS,
      'mcp-session-id': sids[0] as string,
    });
    expect(ended.status).toBe(200);
    expect(l.sessions()).toBe(2);
    expect((await abandonedInitialize(l)).status).toBe(200);
  });

  it('are capped at 100 and expire after 30 min by default', async () => {
    const l = await listen({});
    for (let i = 0; i < 10; i++)
      await Promise.all(Array.from({ length: 10 }, () => abandonedInitialize(l)));
    expect(l.sessions()).toBe(100);
    expect((await abandonedInitialize(l)).status).toBe(503);
    const r = await abandonedInitialize(l);
    expect(r.body).toContain('after 30 min without a request');
  });
});

/** An event stream held open; `close()` ends it as a closed tab would. */
function openStream(viewer: Viewer, id: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: viewer.port,
        path: `/sessions/${id}/events`,
        headers: {
          host: `127.0.0.1:${viewer.port}`,
          cookie: `gw_viewer_${viewer.port}=${viewer.token}`,
        },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      },
    );
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

describe('viewer event streams', () => {
  let c: Connected;
  const sids: string[] = [];

  beforeAll(async () => {
    c = await connectClient();
    for (const label of ['one', 'two']) {
      const opened = await c.ok<{ session_id: string }>('open_session', {
        profile: 'cmsm',
        params: { lab_port: lab.port },
        label,
      });
      sids.push(opened.session_id);
    }
  }, 30_000);

  afterAll(async () => {
    await c?.close();
  });

  it('are capped per session (10 by default): the 11th gets 429; a closed one frees its slot', async () => {
    const viewer = await c.instance.startViewer(0);
    const id = sids[0] as string;
    const streams = await Promise.all(Array.from({ length: 10 }, () => openStream(viewer, id)));
    for (const s of streams) expect(s.status).toBe(200);
    const refused = await raw(viewer.port, 'GET', `/sessions/${id}/events`, {
      cookie: `gw_viewer_${viewer.port}=${viewer.token}`,
    });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain(`too many viewer streams on session ${id} (10)`);
    // Another session still has room.
    const other = await openStream(viewer, sids[1] as string);
    expect(other.status).toBe(200);
    other.close();
    streams[0]?.close();
    const again = await until(
      () => openStream(viewer, id),
      (s) => s.status === 200,
    );
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });

  it('are capped in total: past it, 503', async () => {
    const viewer = await startViewer({
      catalog: liveCatalog(c.instance.manager),
      port: 0,
      maxStreams: 3,
      maxStreamsPerSession: 2,
    });
    try {
      const open = [
        await openStream(viewer, sids[0] as string),
        await openStream(viewer, sids[0] as string),
        await openStream(viewer, sids[1] as string),
      ];
      for (const s of open) expect(s.status).toBe(200);
      const refused = await raw(viewer.port, 'GET', `/sessions/${sids[1] as string}/events`, {
        cookie: `gw_viewer_${viewer.port}=${viewer.token}`,
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toContain('too many viewer streams open (3)');
      for (const s of open) s.close();
    } finally {
      await viewer.close();
    }
  });
});

describe('closed sessions', () => {
  it('are remembered only up to the history size; their transcripts stay on disk', async () => {
    const c = await connectClient({ closedHistory: 3 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { session_id } = await c.ok<{ session_id: string }>('open_session', {
          profile: 'cmsm',
          params: { lab_port: lab.port },
        });
        await c.ok('close_session', { session_id });
        ids.push(session_id);
      }
      const { sessions } = await c.ok<{ sessions: { session_id: string; state: string }[] }>(
        'list_sessions',
      );
      expect(sessions.map((s) => s.session_id)).toEqual(ids.slice(2));
      expect(sessions.every((s) => s.state === 'closed')).toBe(true);
      const forgotten = await c.fails('get_transcript', { session_id: ids[0] });
      expect(forgotten).toContain(`no session ${ids[0] as string}`);
      for (const id of ids)
        expect(existsSync(join(c.instance.runtime.transcripts, `${id}.jsonl`))).toBe(true);
    } finally {
      await c.close();
    }
  }, 30_000);

  it('keep 100 by default', async () => {
    const { CLOSED_HISTORY } = await import('../../src/sessions/manager.js');
    expect(CLOSED_HISTORY).toBe(100);
  });
});

describe('session_id: ""', () => {
  it('is an error, not the only open session', async () => {
    const c = await connectClient();
    try {
      const { session_id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'cmsm',
        params: { lab_port: lab.port },
      });
      // Omitted, it is the only open session.
      expect((await c.ok<{ screen: string }>('get_screen')).screen).toMatch(/Target IP:/);
      for (const tool of ['get_screen', 'get_transcript', 'list_commands', 'close_session']) {
        const text = await c.fails(tool, { session_id: '' });
        expect(text, tool).toMatch(/session_id/);
      }
      const refusal = (f: () => unknown): GatewalkError => {
        try {
          f();
        } catch (err) {
          return err as GatewalkError;
        }
        throw new Error('no error');
      };
      for (const f of [
        () => c.instance.manager.get(''),
        () => c.instance.manager.sessionOfCommand('c_1', ''),
      ]) {
        const err = refusal(f);
        expect(err).toBeInstanceOf(GatewalkError);
        expect(err.code).toBe('session_unknown');
        expect(err.message).toBe(
          'session_id is empty: omit it (when one session is open) or pass one from list_sessions',
        );
      }
      // close_session("") closed nothing.
      const { sessions } = await c.ok<{ sessions: { session_id: string; state: string }[] }>(
        'list_sessions',
      );
      expect(sessions.find((s) => s.session_id === session_id)?.state).toBe('ready');
    } finally {
      await c.close();
    }
  }, 30_000);
});

describe('an HTTP request body', () => {
  it('over 16 MiB is refused, and the server goes on', async () => {
    const l = await listen({});
    const pad = 'A'.repeat(17 * 1024 * 1024);
    const big = await raw(
      l.port,
      'POST',
      '/mcp',
      MCP_HEADERS,
      INITIALIZE.replace('{}', `{"pad":"${pad}"}`),
    )
      // The server may answer before it has read the whole body, and close the connection.
      .catch((err: NodeJS.ErrnoException) => ({ status: 0, body: String(err.code), headers: {} }));
    if (big.status !== 0) {
      expect(big.status).toBe(400);
      expect(big.body).toMatch(/over 16 MiB/);
    } else expect(big.body).toMatch(/EPIPE|ECONNRESET/);
    const next = await raw(l.port, 'POST', '/mcp', MCP_HEADERS, INITIALIZE);
    expect(next.status).toBe(200);
  }, 60_000);
});
