// MCP over Streamable HTTP on 127.0.0.1: a bearer token on every request, and Origin checks so
// a web page in the user's browser cannot reach the server (DNS rebinding). Every client gets
// its own protocol session; all of them share the server's gateway sessions.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export interface HttpOptions {
  port: number;
  token: string;
  /** A fresh McpServer for each client (they share the session manager behind). */
  newServer: () => McpServer;
  log: (line: string) => void;
}

export interface HttpListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Browsers send Origin; only pages served from this machine's loopback may talk to us. */
function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const host = new URL(origin).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024 * 1024) throw new Error('request body over 16 MiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function listenHttp(options: HttpOptions): Promise<HttpListener> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  let port = options.port;

  const http = createHttpServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req.headers.host, port))
        return refuse(res, 403, 'Host not allowed: connect to 127.0.0.1 or localhost');
      if (!originAllowed(req.headers.origin))
        return refuse(res, 403, `Origin ${req.headers.origin} not allowed`);
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), options.token))
        return refuse(res, 401, 'missing or wrong bearer token (Authorization: Bearer <token>)');
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp')
        return refuse(res, 404, 'the MCP endpoint is /mcp');
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
      // The spec's answer to a session id we do not know: 404, so the client starts afresh.
      if (!transport && typeof sid === 'string')
        return refuse(res, 404, `no MCP session ${sid}: initialize a new one`);
      if (!transport) {
        if (req.method !== 'POST' || !isInitializeRequest(body))
          return refuse(res, 400, 'no valid MCP session: start with an initialize request');
        const fresh: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            transports.set(id, fresh);
          },
        });
        fresh.onclose = () => {
          if (fresh.sessionId) transports.delete(fresh.sessionId);
        };
        await options.newServer().connect(fresh);
        transport = fresh;
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      options.log(`http: ${(err as Error).message}`);
      if (!res.headersSent) refuse(res, 400, (err as Error).message);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const t of transports.values()) await t.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
