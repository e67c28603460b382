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
  /**
   * An MCP session (a client's protocol session, not a gateway session) with no request for
   * this long is closed and forgotten (default 30 min; 0: never). Its client gets 404 next and
   * initializes again.
   */
  idleExpiryMs?: number;
  /** MCP sessions open at once; a further initialize is refused with 503 (default 100). */
  maxSessions?: number;
}

export interface HttpListener {
  url: string;
  port: number;
  /** MCP sessions open now (initialized, not closed or expired). */
  sessions(): number;
  close(): Promise<void>;
}

export const HTTP_IDLE_EXPIRY_MS = 30 * 60_000;
export const HTTP_MAX_SESSIONS = 100;

/** One client's transport, and when it was last used. */
interface Entry {
  transport: StreamableHTTPServerTransport;
  /** Requests being answered (a tool call, an SSE stream held open): in use, never idle. */
  busy: number;
  lastUsed: number;
}

/** Counts a request as use of the entry, from now until its response is over. */
function use(entry: Entry, res: ServerResponse): void {
  entry.busy++;
  entry.lastUsed = Date.now();
  res.once('close', () => {
    entry.busy--;
    entry.lastUsed = Date.now();
  });
}

/** No OAuth here: the token is given out of band (GATEWALK_HTTP_TOKEN or the token file). */
const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="gatewalk"' };

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

function refuse(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
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
  const transports = new Map<string, Entry>();
  /** Transports answering their initialize: not in the map yet, but they count to the cap. */
  let initializing = 0;
  const idleMs = options.idleExpiryMs ?? HTTP_IDLE_EXPIRY_MS;
  const maxSessions = options.maxSessions ?? HTTP_MAX_SESSIONS;
  const idleText =
    idleMs >= 60_000 ? `${Math.round(idleMs / 60_000)} min` : `${Math.round(idleMs / 1000)} s`;
  let port = options.port;

  // Clients that go away without a DELETE (most of them) leave their transport behind: those
  // unused for idleMs are closed. One sweep timer for all, unref'd: it never keeps the process up.
  const sweep = () => {
    const now = Date.now();
    for (const [id, entry] of transports) {
      if (entry.busy > 0 || now - entry.lastUsed < idleMs) continue;
      transports.delete(id);
      options.log(`http: MCP session ${id} expired after ${idleText} unused`);
      void entry.transport.close().catch(() => undefined);
    }
  };
  const sweeper =
    idleMs > 0 ? setInterval(sweep, Math.min(60_000, Math.max(10, idleMs / 4))) : undefined;
  sweeper?.unref();

  const http = createHttpServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req.headers.host, port))
        return refuse(res, 403, 'Host not allowed: connect to 127.0.0.1 or localhost');
      if (!originAllowed(req.headers.origin))
        return refuse(res, 403, `Origin ${req.headers.origin} not allowed`);
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), options.token))
        // RFC 6750: a 401 names its scheme, so a client knows to send `Authorization: Bearer`.
        return refuse(
          res,
          401,
          'missing or wrong bearer token (Authorization: Bearer <token>)',
          UNAUTHORIZED_HEADERS,
        );
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp')
        return refuse(res, 404, 'the MCP endpoint is /mcp');
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      const known = typeof sid === 'string' ? transports.get(sid) : undefined;
      // The spec's answer to a session id we do not know: 404, so the client starts afresh.
      if (!known && typeof sid === 'string')
        return refuse(
          res,
          404,
          `no MCP session ${sid} (unknown, ended, or expired unused): initialize a new one`,
        );
      if (known) {
        use(known, res);
        return await known.transport.handleRequest(req, res, body);
      }
      if (req.method !== 'POST' || !isInitializeRequest(body))
        return refuse(res, 400, 'no valid MCP session: start with an initialize request');
      if (transports.size + initializing >= maxSessions)
        return refuse(
          res,
          503,
          `too many MCP sessions open (${maxSessions}): end one (DELETE /mcp with its Mcp-Session-Id) or retry once unused ones expire` +
            (idleMs > 0 ? ` (after ${idleText} without a request)` : ''),
        );
      // Counted once against the cap: as initializing until it enters the map (or fails).
      let pending = true;
      const settle = () => {
        if (pending) initializing--;
        pending = false;
      };
      initializing++;
      const entry: Entry = {
        transport: new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            settle();
            transports.set(id, entry);
          },
        }),
        busy: 0,
        lastUsed: Date.now(),
      };
      const fresh = entry.transport;
      fresh.onclose = () => {
        // Only this entry: an expired one is out of the map already.
        if (fresh.sessionId && transports.get(fresh.sessionId) === entry)
          transports.delete(fresh.sessionId);
      };
      try {
        await options.newServer().connect(fresh);
        use(entry, res);
        await fresh.handleRequest(req, res, body);
      } finally {
        settle();
      }
    })().catch((err: unknown) => {
      options.log(`http: ${(err as Error).message}`);
      // The body may be unread (over 16 MiB): the connection is not reused for another request.
      res.shouldKeepAlive = false;
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
    sessions: () => transports.size,
    close: async () => {
      clearInterval(sweeper);
      for (const e of [...transports.values()]) await e.transport.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
