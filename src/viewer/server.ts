// The live viewer: a small web server on 127.0.0.1. A random token in the URL (a cookie after the
// first visit) guards it; every byte it shows comes from the transcript, so secrets are
// redacted exactly as there.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { packagePath } from '../paths.js';
import { markersOf, toAsciicast } from '../sessions/asciicast.js';
import { readMeta, readTranscript } from '../sessions/transcript.js';
import { AskDesk, type AskRequest, type PendingAsk } from './asks.js';
import type { Catalog } from './catalog.js';
import { indexPage, livePage, replayPage } from './pages.js';
import { shownEvent, shownLine } from './unframe.js';

export interface ViewerOptions {
  catalog: Catalog;
  /** Tried first; if taken, the next ones (up to 20 further). 0: any free port. */
  port: number;
  token?: string;
  log?: (line: string) => void;
  /** Event streams open at once, all sessions together (default 50); more: 503. */
  maxStreams?: number;
  /** Event streams open at once on one session (default 10); more: 429. */
  maxStreamsPerSession?: number;
}

/**
 * Each open event stream costs memory (its socket's buffers, the transcript sent to it): the
 * viewer has one token, so these bound what anyone holding it can open.
 */
export const VIEWER_MAX_STREAMS = 50;
export const VIEWER_MAX_STREAMS_PER_SESSION = 10;
/** A stream whose reader lags this far behind (bytes queued past its replay) is ended. */
const STREAM_BACKLOG = 8 * 1024 * 1024;

export interface Viewer {
  url: string;
  port: number;
  token: string;
  /** The URL a person opens for this session (with the token). */
  sessionUrl(id: string): string;
  /** Asks a person for a secret on a page of its own (`url`, with the token): see asks.ts. */
  ask(request: AskRequest): PendingAsk & { url: string };
  /** The ask still waiting under this key, if any (with its URL). */
  waitingAsk(key: string): (PendingAsk & { url: string }) | null;
  /** A value given for a kept ask, once. */
  takeAnswer(key: string): string | null;
  close(): Promise<void>;
}

/** The viewers running in this process, by origin: an MCP server knows its viewer by URL. */
const running = new Map<string, Viewer>();

/** The running viewer a viewer URL (with its token) points at; null when none. */
export function viewerAt(url: string): Viewer | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const v = running.get(parsed.origin);
  return v && same(parsed.searchParams.get('token') ?? '', v.token) ? v : null;
}

/** A form post's fields (application/x-www-form-urlencoded), at most 64 KiB. */
async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Says nothing of the content: it may be a secret.
    if (size > 65_536) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const xtermDir = dirname(createRequire(import.meta.url).resolve('@xterm/xterm/package.json'));
const ASSETS: Record<string, { file: string; type: string }> = {
  'xterm.js': { file: join(xtermDir, 'lib', 'xterm.js'), type: 'text/javascript' },
  'xterm.css': { file: join(xtermDir, 'css', 'xterm.css'), type: 'text/css' },
  'live.js': { file: packagePath('viewer', 'live.js'), type: 'text/javascript' },
  'replay.js': { file: packagePath('viewer', 'replay.js'), type: 'text/javascript' },
  'index.js': { file: packagePath('viewer', 'index.js'), type: 'text/javascript' },
  'fit.js': { file: packagePath('viewer', 'fit.js'), type: 'text/javascript' },
  'commands.js': { file: packagePath('viewer', 'commands.js'), type: 'text/javascript' },
};

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      // Scripts only from this server (no inline ones); styles may be inline (xterm sets some).
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'",
  });
  res.end(body);
}

/** The download's file name: the session id, kept to characters every file system takes. */
export function castName(id: string): string {
  return `gatewalk-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.cast`;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > 65_536) throw new Error('body too large');
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const token = options.token ?? randomBytes(18).toString('base64url');
  let port = options.port;
  // Cookies ignore ports: one name per port, or two viewers would log each other out.
  const cookieName = () => `gw_viewer_${port}`;
  /** Which page's event stream holds control of a session: it ends, control ends. */
  const holders = new Map<string, string>();
  const { catalog } = options;
  /** Event streams open, per session. */
  const streams = new Map<string, number>();
  let streamsOpen = 0;
  const maxStreams = options.maxStreams ?? VIEWER_MAX_STREAMS;
  const maxPerSession = options.maxStreamsPerSession ?? VIEWER_MAX_STREAMS_PER_SESSION;
  const asks = new AskDesk();

  const authorised = (req: IncomingMessage, url: URL): 'cookie' | 'query' | null => {
    const cookie = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === cookieName())?.[1];
    if (cookie && same(cookie, token)) return 'cookie';
    const q = url.searchParams.get('token');
    return q && same(q, token) ? 'query' : null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(res, 403, 'text/plain', 'Host not allowed');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const how = authorised(req, url);
    if (!how)
      return send(
        res,
        401,
        'text/plain',
        'Open the viewer URL with its token (printed by gatewalk serve).',
      );
    if (how === 'query') {
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      });
      return void res.end();
    }
    // Writes come from our own pages only.
    if (req.method === 'POST' && req.headers.origin !== `http://${host}`)
      return send(res, 403, 'text/plain', 'Origin not allowed');
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
    if (parts.length === 0) return send(res, 200, 'text/html', indexPage(catalog.list()));
    // The list page asks for this every few seconds: live state and last activity, cheaply
    // (live sessions are described from memory, past transcripts once per change of file).
    if (url.pathname === '/sessions.json')
      return send(res, 200, 'application/json', JSON.stringify({ sessions: catalog.list() }));
    const asset =
      parts[0] === 'assets' && parts[1] && Object.hasOwn(ASSETS, parts[1])
        ? ASSETS[parts[1]]
        : undefined;
    if (asset) return send(res, 200, asset.type, readFileSync(asset.file));
    if (parts[0] === 'ask' && parts[1] && parts.length === 2) {
      const answer =
        req.method === 'POST'
          ? asks.answer(parts[1], (await formBody(req)).get('value'))
          : asks.page(parts[1]);
      return send(res, answer.status, 'text/html', answer.html);
    }
    if (parts[0] !== 'sessions' || !parts[1]) return send(res, 404, 'text/plain', 'not found');
    const s = catalog.find(parts[1]);
    if (!s) return send(res, 404, 'text/plain', `no session ${parts[1]}`);
    const action = parts[2] ?? '';
    if (action === '') {
      const hops = readMeta(s.transcript).hops;
      const live = catalog.live(s.id);
      return send(
        res,
        200,
        'text/html',
        live ? livePage(s, hops, live.controlledBy !== null) : replayPage(s, hops),
      );
    }
    if (action === 'replay')
      return send(res, 200, 'text/html', replayPage(s, readMeta(s.transcript).hops));
    if (action === 'transcript') {
      const t = readTranscript(s.transcript);
      // Shown as a person saw it live (framing left in an echo becomes the command), with the
      // moments the replay's seek bar marks.
      const shown = {
        meta: t.meta,
        events: t.events.map(shownEvent),
        markers: markersOf(t.events),
      };
      return send(res, 200, 'application/json', JSON.stringify(shown));
    }
    if (action === 'asciicast')
      return send(res, 200, 'application/x-asciicast', toAsciicast(readTranscript(s.transcript)), {
        'content-disposition': `attachment; filename="${castName(s.id)}"`,
      });
    if (action === 'events') return follow(req, res, s.id, s.transcript);
    const live = catalog.live(s.id);
    if (req.method === 'POST' && live && action === 'control') {
      const { on, conn } = await body(req);
      live.touch();
      if (on) {
        live.takeControl('viewer');
        if (typeof conn === 'string') holders.set(live.id, conn);
      } else {
        live.releaseControl();
        holders.delete(live.id);
      }
      return send(res, 200, 'application/json', JSON.stringify({ control: live.controlledBy }));
    }
    if (req.method === 'POST' && live && action === 'input') {
      const { data } = await body(req);
      if (live.controlledBy === null) return send(res, 409, 'text/plain', 'take control first');
      live.touch();
      if (typeof data === 'string' && data) live.nav.pty.write(data, { by: 'viewer' });
      return send(res, 204, 'text/plain', '');
    }
    return send(res, 404, 'text/plain', 'not found');
  };

  /** Server-sent events: the transcript so far, then every line as it is written. */
  const follow = (req: IncomingMessage, res: ServerResponse, id: string, path: string): void => {
    // Checked before any work: a refused stream reads no transcript.
    if (streamsOpen >= maxStreams)
      return send(
        res,
        503,
        'text/plain',
        `too many viewer streams open (${maxStreams}): close some viewer tabs and reload`,
      );
    if ((streams.get(id) ?? 0) >= maxPerSession)
      return send(
        res,
        429,
        'text/plain',
        `too many viewer streams on session ${id} (${maxPerSession}): close some of its tabs and reload`,
      );
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const push = (line: string) => res.write(`data: ${shownLine(line)}\n\n`);
    // Read and subscribe in one go (no await between): no line is missed or sent twice.
    const existing = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const live = catalog.live(id);
    for (const line of existing.slice(1)) push(line);
    if (!live) return void res.end('event: end\ndata: {}\n\n');
    // This stream's name: a page that takes control says which stream it is.
    const conn = randomBytes(9).toString('base64url');
    res.write(`event: hello\ndata: ${JSON.stringify({ conn })}\n\n`);
    // The replay above may still be queued (a long transcript): only lag beyond it counts.
    const replayed = res.writableLength;
    streamsOpen++;
    streams.set(id, (streams.get(id) ?? 0) + 1);
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      streamsOpen--;
      const left = (streams.get(id) ?? 1) - 1;
      if (left > 0) streams.set(id, left);
      else streams.delete(id);
      live.transcript.followers.delete(follower);
      // The page that held the keyboard is gone (tab closed, reloaded): hand it back.
      if (holders.get(live.id) === conn) {
        holders.delete(live.id);
        live.releaseControl();
      }
    };
    const follower = (line: string) => {
      // A reader that stopped reading (a suspended tab, a stalled client) is cut off rather
      // than buffered for without end.
      if (res.writableLength > replayed + STREAM_BACKLOG) {
        stop();
        res.destroy();
        return;
      }
      push(line);
      // The last line of a session: end the stream, so no client stays attached to nothing.
      if (line.includes('"type":"state"') && line.includes('"state":"closed"')) {
        stop();
        res.end('event: end\ndata: {}\n\n');
      }
    };
    live.transcript.followers.add(follower);
    req.on('close', stop);
    res.on('close', stop);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log?.(`viewer: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 400, 'text/plain', (err as Error).message);
      else res.end();
    });
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, '127.0.0.1', () => {
          http.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || attempt >= 20)
        throw err;
      port++;
    }
  }
  port = (http.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const withUrl = (p: PendingAsk) => ({ ...p, url: `${base}/ask/${p.id}?token=${token}` });
  const viewer: Viewer = {
    url: `${base}/?token=${token}`,
    port,
    token,
    sessionUrl: (id) => `${base}/sessions/${id}?token=${token}`,
    ask: (request) => withUrl(asks.open(request)),
    waitingAsk: (key) => {
      const p = asks.waiting(key);
      return p && withUrl(p);
    },
    takeAnswer: (key) => asks.take(key),
    close: () =>
      new Promise<void>((resolve) => {
        running.delete(base);
        asks.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  running.set(base, viewer);
  return viewer;
}
