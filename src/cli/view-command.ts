// gatewalk view: the viewer for past sessions only (replays from transcripts), no server needed.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRuntimeRoot } from '../sessions/runtime.js';
import { pastCatalog } from '../viewer/catalog.js';
import { startViewer } from '../viewer/server.js';
import type { CliIo } from './io.js';

export const VIEW_USAGE = `Usage: gatewalk view [--runtime DIR] [--port N]

Serves the viewer for past sessions on 127.0.0.1 (default port 8765, or the next free one): the
sessions of every server instance under the runtime root, to replay or download as asciicast.`;

export async function runViewCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      runtime: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(VIEW_USAGE);
    return 0;
  }
  const port = Number(values.port ?? 8765);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`gatewalk view: --port takes a port number\n\n${VIEW_USAGE}`);
    return 2;
  }
  const root = values.runtime ? resolve(io.cwd, values.runtime) : defaultRuntimeRoot(io.env);
  const viewer = await startViewer({ catalog: pastCatalog(root), port });
  io.out(`gatewalk: sessions under ${root}`);
  io.out(`gatewalk: viewer ${viewer.url}`);
  io.onShutdown(() => viewer.close());
  return new Promise<number>(() => {});
}
