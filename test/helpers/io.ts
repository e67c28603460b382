import type { CliIo } from '../../src/cli/io.js';
import { runServeCommand } from '../../src/cli/serve-command.js';
import { packagePath, packageRoot } from '../../src/paths.js';

/** A CliIo that collects what a command prints (out: lines with their newline, and writes). */
export function collectingIo(cwd = packageRoot()): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(`${l}\n`),
    write: (t) => out.push(t),
    err: (l) => err.push(l),
    onShutdown: () => {},
    onToggle: () => {},
    env: {},
    cwd,
  };
  return { io, out, err };
}

/**
 * A CliIo for `gatewalk serve` in a test: its stderr lines, and `stop` to run what the command
 * registered for SIGINT/SIGTERM (over HTTP, serve runs until then).
 */
export function serveIo(runtime: string, token: string) {
  const errs: string[] = [];
  const stops: (() => void | Promise<void>)[] = [];
  const io: CliIo = {
    out: () => undefined,
    write: () => undefined,
    err: (line) => errs.push(line),
    onShutdown: (h) => stops.push(h),
    onToggle: () => undefined,
    env: { PATH: process.env.PATH ?? '', HOME: runtime, GATEWALK_HTTP_TOKEN: token },
    cwd: runtime,
  };
  return { io, errs, stop: async () => Promise.all(stops.map((h) => h())) };
}

/**
 * `gatewalk serve --http 0 --no-viewer` on the shipped profiles, with `args` added; resolves
 * with its MCP URL once it listens. Over HTTP, serve runs until `stop`.
 */
export async function serveHttp(runtime: string, token: string, args: string[]) {
  const served = serveIo(runtime, token);
  void runServeCommand(
    [
      ...['--http', '0', '--no-viewer', '--runtime', runtime],
      ...['--profiles', packagePath('profiles'), ...args],
    ],
    served.io,
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = served.errs.find((l) => l.includes('MCP on http'));
    const url = line ? /MCP on (\S+)/.exec(line)?.[1] : undefined;
    if (url) return { ...served, url };
    if (Date.now() > deadline) throw new Error(`serve did not listen: ${served.errs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
