import { parseArgs } from 'node:util';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { mermaidGraph } from '../navigator/graph.js';
import { compileProgram } from '../navigator/program.js';
import type { NavSession } from '../navigator/session.js';
import type { WalkProgress } from '../navigator/walk.js';
import { formatDiagnostic } from '../profiles/diagnostics.js';
import { profileDirs } from '../profiles/dirs.js';
import { loadProfiles } from '../profiles/registry.js';
import type { CliIo } from './io.js';

export const GRAPH_USAGE = `Usage: gatewalk graph <profile> [-p key=value]... [--profiles DIR]...

Prints the profile's walk as a Mermaid state diagram (paste it into any Mermaid viewer).`;

export const OPEN_USAGE = `Usage: gatewalk open <profile> [-p key=value]... [--profiles DIR]... [-q] [-v]

Walks the profile's hops, then hands you the terminal: you type in the last hop's shell as
if you had logged in by hand. Ctrl-] detaches (the session is closed); resizes follow.
  -p key=value     a parameter of the profile (repeatable)
  --profiles DIR   profile folder or file (repeatable)
  -q, --quiet      no progress on stderr
  -v, --verbose    progress per wait, with the regex awaited (default: one line per hop)`;

export const RUN_USAGE = `Usage: gatewalk run <profile> [-p key=value]... [--timeout S] [-q] [-v] -- <command>

Walks the profile's hops, runs one command at the last prompt, prints exactly its output, then
leaves every hop. The command runs in a terminal (PTY), as with ssh -t: its stdout and stderr
arrive merged on gatewalk's stdout, and gatewalk's stdin is not forwarded to it.
  -p key=value     a parameter of the profile (repeatable)
  --profiles DIR   profile folder or file (repeatable)
  --timeout S      seconds the command may take (default 30)
  -q, --quiet      no progress on stderr
  -v, --verbose    progress per wait, with the regex awaited (default: one line per hop)
Exit status, as ssh's:
  N     the remote command's exit code (shell: posix hops; 0 on prompt-only hops). A command
        that ends the hop's shell (exit 7) gives the status the hop reports: the SSH channel's
        on the first hop, kubectl's "command terminated with exit code N" further in
  124   the command did not end within --timeout (30 s), or waits for input
  255   gatewalk could not get there (profile, connection, walk), lost the connection, or the
        hop's shell ended without saying its status
  2     usage error`;

function parseNavArgs(args: string[]) {
  const dash = args.indexOf('--');
  const { values, positionals } = parseArgs({
    args: dash >= 0 ? args.slice(0, dash) : args,
    allowPositionals: true,
    options: {
      param: { type: 'string', short: 'p', multiple: true },
      profiles: { type: 'string', multiple: true },
      quiet: { type: 'boolean', short: 'q' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      timeout: { type: 'string' },
    },
  });
  const params: Record<string, string> = {};
  for (const kv of values.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new GatewalkError('usage', `-p takes key=value, not ${JSON.stringify(kv)}`);
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return {
    values,
    profile: positionals[0],
    params,
    command: dash >= 0 ? args.slice(dash + 1).join(' ') : '',
  };
}

function registryFor(io: CliIo, dirs: string[] | undefined) {
  // Errors only: warnings are for `gatewalk validate` (and cost start-up time).
  const loaded = loadProfiles(profileDirs(dirs ?? [], io.env, io.cwd), { lint: false });
  for (const d of loaded.errors) io.err(formatDiagnostic(d));
  return loaded.registry;
}

/** A usage error: what is wrong on one line, then the usage, on stderr; exit status 2. */
function usageError(io: CliIo, command: string, what: string, usage: string): number {
  io.err(`gatewalk ${command}: ${what}\n\n${usage}`);
  return 2;
}

/**
 * Progress on stderr: one line per hop entered, with the time since the start; with -v, one line
 * per wait instead, with what it waits for.
 */
function progress(io: CliIo, quiet: boolean | undefined, verbose: boolean | undefined) {
  const started = performance.now();
  let shown = 0;
  return (p: WalkProgress) => {
    if (quiet || !p.waitingFor) return;
    if (!verbose) {
      if (p.hop <= shown) return;
      shown = p.hop;
      const s = ((performance.now() - started) / 1000).toFixed(1);
      io.err(`gatewalk: [${p.hop}/${p.hops}] ${p.name}… (${s} s)`);
      return;
    }
    const what = p.waitingFor.map((x) => `/${x}/`).join(' or ');
    io.err(
      `gatewalk: [${p.hop}/${p.hops}] ${p.name}: waiting for ${what.length > 100 ? `${what.slice(0, 99)}…` : what}`,
    );
  };
}

function opened(io: CliIo, session: NavSession, quiet: boolean | undefined): void {
  if (quiet) return;
  const hops = session.walk.hops.map((h) => `${h.name} ${Math.round(h.ms)} ms`).join(', ');
  io.err(`gatewalk: ${session.profile.name} open in ${Math.round(session.walk.ms)} ms (${hops})`);
}

/** `gatewalk graph`. */
export function runGraphCommand(args: string[], io: CliIo): number {
  const o = parseNavArgs(args);
  if (o.values.help) return (io.out(GRAPH_USAGE), 0);
  if (!o.profile) return usageError(io, 'graph', 'which profile?', GRAPH_USAGE);
  const profile = registryFor(io, o.values.profiles).resolve(o.profile, o.params);
  io.out(mermaidGraph(profile.name, compileProgram(profile)));
  return 0;
}

/** `gatewalk open`: resolves with the exit status once the user is done. */
export async function runOpenCommand(args: string[], io: CliIo): Promise<number> {
  const o = parseNavArgs(args);
  if (o.values.help) return (io.out(OPEN_USAGE), 0);
  if (!o.profile) return usageError(io, 'open', 'which profile?', OPEN_USAGE);
  const terminal = io.terminal;
  if (!terminal)
    throw new GatewalkError(
      'usage',
      'gatewalk open needs a terminal: use gatewalk run for scripts',
    );
  const registry = registryFor(io, o.values.profiles);
  // The SSH and terminal modules load only for the commands that connect (not for graph).
  const { closeSession, openSession } = await import('../navigator/session.js');
  const session = await openSession(registry.resolve(o.profile, o.params), {
    lookup: (n) => registry.resolveVia(n),
    onProgress: progress(io, o.values.quiet, o.values.verbose),
  });
  opened(io, session, o.values.quiet);
  const { pty } = session;
  const size = terminal.size();
  pty.resize(size.cols, size.rows);
  // Show where the walk stands, then pass bytes both ways.
  terminal.output(`${pty.screen.text().split('\n').slice(-size.rows).join('\r\n')}`);
  const offRaw = (() => {
    const listener = (chunk: Buffer) => terminal.output(chunk);
    pty.on('raw', listener);
    return () => pty.off('raw', listener);
  })();
  terminal.setRaw(true);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number, note: string) => {
      if (finished) return;
      finished = true;
      offInput();
      offResize();
      offRaw();
      terminal.setRaw(false);
      io.err(`\r\ngatewalk: ${note}`);
      void closeSession(session).then(() => resolve(code));
    };
    const offInput = terminal.onInput((data) => {
      const detach = data.indexOf(0x1d);
      if (detach >= 0) {
        if (detach > 0) pty.write(data.subarray(0, detach).toString('utf8'));
        finish(0, 'detached');
      } else pty.write(data.toString('utf8'));
    });
    const offResize = terminal.onResize(() => {
      const s = terminal.size();
      pty.resize(s.cols, s.rows);
    });
    pty.once('close', () => finish(0, 'connection closed'));
  });
}

/** `gatewalk run`: walk, run one command at the prompt, print its output. */
export async function runRunCommand(args: string[], io: CliIo): Promise<number> {
  let o: ReturnType<typeof parseNavArgs>;
  try {
    o = parseNavArgs(args);
    if (o.values.timeout !== undefined && !(Number(o.values.timeout) > 0))
      throw new GatewalkError('usage', `--timeout takes seconds, not ${o.values.timeout}`);
  } catch (err) {
    // A usage error is 2, as the help says, whatever parseArgs or -p found wrong.
    const parse =
      err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    if (!parse && !(isGatewalkError(err) && err.code === 'usage')) throw err;
    return usageError(io, 'run', (err as Error).message, RUN_USAGE);
  }
  if (o.values.help) return (io.out(RUN_USAGE), 0);
  if (!o.profile || !o.command)
    return usageError(
      io,
      'run',
      o.profile ? 'which command? (after --)' : 'which profile and command?',
      RUN_USAGE,
    );
  const timeoutMs = Number(o.values.timeout ?? 30) * 1000;
  let session: NavSession;
  try {
    const registry = registryFor(io, o.values.profiles);
    const profile = registry.resolve(o.profile, o.params);
    const { openSession } = await import('../navigator/session.js');
    const opening = openSession(profile, {
      lookup: (n) => registry.resolveVia(n),
      onProgress: progress(io, o.values.quiet, o.values.verbose),
    });
    // The command's modules load while the connection and the walk wait on the remote.
    import('../shell/executor.js').catch(() => undefined);
    session = await opening;
  } catch (err) {
    // Could not get there: 255, as ssh says when it cannot connect.
    if (!isGatewalkError(err)) throw err;
    io.err(`gatewalk: ${err.message}`);
    return 255;
  }
  opened(io, session, o.values.quiet);
  return runAt(session, o.command, timeoutMs, io);
}

async function runAt(session: NavSession, command: string, timeoutMs: number, io: CliIo) {
  let finished = true;
  const { closeSession } = await import('../navigator/session.js');
  try {
    const { ShellExecutor } = await import('../shell/executor.js');
    const result = await new ShellExecutor(session).execute(command, {
      timeoutMs,
      maxOutput: Number.MAX_SAFE_INTEGER,
    });
    io.write(result.output);
    if (result.left_hop) {
      const where = result.left_hop.now_at ? `at hop "${result.left_hop.now_at}"` : 'closed';
      io.err(`gatewalk: ${result.left_hop.reason} (the session is ${where})`);
      return result.exit_code ?? 255;
    }
    if (result.status !== 'done') {
      finished = false;
      const why =
        result.status === 'awaiting_input'
          ? 'the command waits for input'
          : `no end within ${timeoutMs / 1000} s`;
      io.err(`gatewalk: ${why}; giving up`);
      return 124;
    }
    // posix hops report the command's own exit code; prompt-only hops have none.
    return result.exit_code ?? 0;
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    io.err(`gatewalk: ${err.message}`);
    return 255;
  } finally {
    // A command still running would swallow the exits: just disconnect then.
    await closeSession(session, { leave: finished });
  }
}
