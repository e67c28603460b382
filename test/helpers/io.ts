import type { CliIo } from '../../src/cli/io.js';
import { packageRoot } from '../../src/paths.js';

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
