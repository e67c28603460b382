// gatewalk serve: MCP over stdio (nothing but protocol on stdout), or Streamable HTTP on
// 127.0.0.1 with a bearer token.
import { join } from 'node:path';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isGatewalkError } from '../errors.js';
import { ALL_CAPS, CAP_GROUPS, parseCaps, type Cap } from '../mcp/caps.js';
import { profileDirs } from '../profiles/dirs.js';
import { parseReconnect, type ReconnectPolicy } from '../sessions/reentry.js';
import type { CliIo } from './io.js';

/** The `--caps` lines of the usage: one per group, with its tools. */
const CAPS_USAGE = ALL_CAPS.map((c) => `${' '.repeat(21)}${c.padEnd(8)} ${CAP_GROUPS[c]}`).join(
  '\n',
);

export const SERVE_USAGE = `Usage: gatewalk serve [options]

MCP server over stdio (the way Claude Code, Codex CLI and the MCP Inspector start it).

  --profiles DIR     profile folder or file (repeatable; default GATEWALK_PROFILES, else
                     ./profiles, else ~/.config/gatewalk/profiles)
  --caps LIST        tool groups served beside the core tools, comma-separated, or all:
${CAPS_USAGE}
  --http PORT        serve Streamable HTTP on 127.0.0.1:PORT/mcp instead (0: any free port);
                     token from GATEWALK_HTTP_TOKEN, else kept in <runtime>/http-token
                     (made 0600 on first start)
  --runtime DIR      runtime root (default $XDG_STATE_HOME/gatewalk or ~/.local/state/gatewalk)
  --keep-days N      remove transcripts and spilled outputs not written for N days, at start
                     and once a day (never an open session's); stopped servers' folders go
                     after N days too (default: kept until their folder goes, 14 days after
                     their server stopped, the newest 10 folders kept whatever their age)
  --allow-direct     open_session also takes user@host[:port] and ~/.ssh/config aliases
  --idle-close MIN   close sessions idle this many minutes (default 60; 0: never)
  --reconnect LIST   re-enter sessions lost to a drop or a gateway's logout on the next call,
                     for profiles without their own reconnect: drop,logout (or all), :N for at
                     most N re-entries in a row (default 2), e.g. drop,logout:3
  --http-idle MIN    end HTTP MCP sessions unused this many minutes (default 30; 0: never)
  --transfer-dir DIR upload/download folder (default: files/ in the instance folder)
  --known-hosts FILE known_hosts for host-key checks (default ~/.ssh/known_hosts)
  --viewer-port N    live viewer on 127.0.0.1:N (default 8765, or the next free one)
  --no-viewer        no live viewer`;

export async function runServeCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      profiles: { type: 'string', multiple: true },
      caps: { type: 'string' },
      http: { type: 'string' },
      runtime: { type: 'string' },
      'keep-days': { type: 'string' },
      'allow-direct': { type: 'boolean' },
      'idle-close': { type: 'string' },
      reconnect: { type: 'string' },
      'http-idle': { type: 'string' },
      'transfer-dir': { type: 'string' },
      'known-hosts': { type: 'string' },
      'viewer-port': { type: 'string' },
      'no-viewer': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(SERVE_USAGE);
    return 0;
  }
  const idle = values['idle-close'] === undefined ? 60 : Number(values['idle-close']);
  if (!Number.isFinite(idle) || idle < 0) {
    io.err(`gatewalk serve: --idle-close takes minutes (a number >= 0)\n\n${SERVE_USAGE}`);
    return 2;
  }
  const httpIdle = values['http-idle'] === undefined ? undefined : Number(values['http-idle']);
  if (httpIdle !== undefined && !(Number.isFinite(httpIdle) && httpIdle >= 0)) {
    io.err(`gatewalk serve: --http-idle takes minutes (a number >= 0)\n\n${SERVE_USAGE}`);
    return 2;
  }
  // Every argument checked before anything starts: a bad one must not leave a server running.
  const keepDays = values['keep-days'] === undefined ? undefined : Number(values['keep-days']);
  if (keepDays !== undefined && !(Number.isFinite(keepDays) && keepDays > 0)) {
    io.err(`gatewalk serve: --keep-days takes days (a number > 0)\n\n${SERVE_USAGE}`);
    return 2;
  }
  const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  const viewerPort = Number(values['viewer-port'] ?? 8765);
  if (!isPort(viewerPort) || (values.http !== undefined && !isPort(Number(values.http)))) {
    io.err(`gatewalk serve: --http and --viewer-port take a port number\n\n${SERVE_USAGE}`);
    return 2;
  }
  let reconnect: ReconnectPolicy | undefined;
  try {
    if (values.reconnect !== undefined) reconnect = parseReconnect(values.reconnect);
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    io.err(`gatewalk serve: ${err.message}\n\n${SERVE_USAGE}`);
    return 2;
  }
  let caps: Cap[];
  try {
    caps = parseCaps(values.caps ?? '');
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    io.err(`gatewalk serve: --caps: ${err.message}\n\n${SERVE_USAGE}`);
    return 2;
  }
  // Loaded only now: --help and a bad argument answer without loading the server.
  const { startInstance } = await import('../mcp/instance.js');
  const instance = startInstance({
    // Over stdio, the client's `initialize` is answered first (see afterFirstAnswer).
    lazy: true,
    profileDirs: profileDirs(values.profiles ?? [], io.env, io.cwd),
    env: io.env,
    ...(values.runtime ? { runtimeRoot: resolve(io.cwd, values.runtime) } : {}),
    allowDirect: values['allow-direct'] ?? false,
    ...(keepDays !== undefined ? { keepDays } : {}),
    idleCloseMinutes: idle,
    caps,
    ...(reconnect ? { reconnect } : {}),
    ...(values['transfer-dir'] ? { transferDir: resolve(io.cwd, values['transfer-dir']) } : {}),
    ...(values['known-hosts']
      ? { connect: { knownHostsFile: resolve(io.cwd, values['known-hosts']) } }
      : {}),
    // stdout carries the protocol: logs go to stderr (and the log file).
    log: (line) => io.err(`gatewalk: ${line}`),
  });
  io.err(`gatewalk: runtime ${instance.runtime.dir}`);
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => (stopping ??= instance.shutdown(reason));
  const startViewer = async () => {
    if (values['no-viewer']) return;
    const viewer = await instance.startViewer(viewerPort).catch(async (err: unknown) => {
      // Stopped meanwhile (stdin closed): the viewer is not wanted any more.
      if (stopping) return null;
      await stop('the viewer could not start');
      throw err;
    });
    if (viewer) io.err(`gatewalk: live viewer ${viewer.url}`);
  };

  if (values.http !== undefined) {
    instance.warmUp();
    await startViewer();
    const port = Number(values.http);
    const { stableToken, TOKEN_FILE } = await import('../mcp/token.js');
    const token = io.env.GATEWALK_HTTP_TOKEN || stableToken(instance.runtime.root);
    const { listenHttp } = await import('../mcp/http.js');
    const http = await listenHttp({
      port,
      token,
      newServer: instance.newServer,
      log: io.err,
      ...(httpIdle !== undefined ? { idleExpiryMs: httpIdle * 60_000 } : {}),
    }).catch(async (err: unknown) => {
      await stop(`cannot listen on 127.0.0.1:${port}`);
      throw err;
    });
    instance.runtime.update({ http_url: http.url });
    io.err(`gatewalk: MCP on ${http.url}`);
    if (!io.env.GATEWALK_HTTP_TOKEN)
      io.err(
        `gatewalk: bearer token ${token} (kept in ${join(instance.runtime.root, TOKEN_FILE)})`,
      );
    io.onShutdown(async () => {
      await stop('SIGINT/SIGTERM');
      await http.close();
    });
    return new Promise<number>(() => {});
  }

  if (!io.protocol) {
    io.err('gatewalk serve: no standard input/output to speak MCP on');
    return 1;
  }
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const { guardStdin, STDIO_MAX_MESSAGE } = await import('../mcp/stdio-guard.js');
  // The SDK closes its transport (and so the server, with every session) on a message over its
  // read buffer: the guard drops such a message first and answers it with an error. The guard
  // hands over one whole line at a time; the transport's buffer gets room for two.
  const input = io.protocol.input.pipe(
    guardStdin(io.protocol.output, { log: (line) => io.err(`gatewalk: ${line}`) }),
  );
  const transport = new StdioServerTransport(input, io.protocol.output, {
    maxBufferSize: 2 * STDIO_MAX_MESSAGE + 2,
  });
  let failed: (err: unknown) => void = () => undefined;
  const done = new Promise<number>((resolveDone, reject) => {
    failed = reject;
    // The client closing our stdin is how it says goodbye.
    transport.onclose = () => void stop('stdin closed').then(() => resolveDone(0));
  });
  io.onShutdown(() => stop('SIGINT/SIGTERM'));
  // The rest (the viewer, the profiles and their warnings, the sessions' modules) loads once
  // `initialize` is answered: clients wait for that answer, with a time limit.
  void afterFirstAnswer(transport, 200)
    .then(async () => {
      if (stopping) return;
      const viewer = startViewer();
      instance.warmUp();
      await viewer;
    })
    .catch((err: unknown) => {
      failed(err);
      void transport.close();
    });
  await instance.newServer().connect(transport);
  input.once('end', () => void transport.close());
  return done;
}

/**
 * Resolves once the first message went out (the answer to the client's `initialize`), after
 * that turn of the event loop; or after `ms` if none did by then.
 */
function afterFirstAnswer(transport: StdioServerTransport, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const send = transport.send.bind(transport);
    transport.send = (message) => {
      transport.send = send;
      clearTimeout(timer);
      setImmediate(resolve);
      return send(message);
    };
  });
}
