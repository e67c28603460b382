import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { mermaidGraph } from '../navigator/graph.js';
import { compileProgram } from '../navigator/program.js';
import type { NavSession } from '../navigator/session.js';
import type { CommandResult } from '../shell/types.js';
import type { WalkProgress } from '../navigator/walk.js';
import { formatDiagnostic } from '../profiles/diagnostics.js';
import { askWhere, type Asker } from '../profiles/secrets.js';
import { profileDirs } from '../profiles/dirs.js';
import { loadProfiles } from '../profiles/registry.js';
import type { CliIo } from './io.js';
import { Style } from './style.js';

export const GRAPH_USAGE = `Usage: gatewalk graph <profile> [-p key=value]... [--profiles DIR]...

Prints the profile's walk as a Mermaid state diagram (paste it into any Mermaid viewer).`;

export const OPEN_USAGE = `Usage: gatewalk open <profile> [-p key=value]... [--profiles DIR]... [-q] [-v]

Walks the profile's hops, then hands you the terminal: you type in the last hop's shell as
if you had logged in by hand. Ctrl-] detaches (the session is closed); resizes follow.
  -p key=value     a parameter of the profile (repeatable)
  --profiles DIR   profile folder or file (repeatable)
  -q, --quiet      no progress on stderr
  -v, --verbose    progress per wait, with the regex awaited (default: one line per hop)
On a terminal, progress is in colour (not with NO_COLOR set) with a spinner on slow waits.`;

export const RUN_USAGE = `Usage: gatewalk run <profile> [-p key=value]... [--timeout S] [-n] [-q] [-v] -- <command>

Walks the profile's hops, runs one command at the last prompt, prints exactly its output, then
leaves every hop. The command runs in a terminal (PTY), as with ssh -t: its stdout and stderr
arrive merged on gatewalk's stdout.
Standard input, as ssh forwards it: a pipe, socket or file is streamed to the command's stdin
(as base64 lines typed with echo off: binary-safe; needs base64 and stty there) until it ends
or the command does. A terminal, /dev/null or a pipe that ended empty is not forwarded (the
command's stdin stays the PTY). A last hop that is not shell: posix, or runs fish, cannot take
it: when stdin has data, gatewalk refuses before typing the command (exit 2); use -n.
  -p key=value     a parameter of the profile (repeatable)
  --profiles DIR   profile folder or file (repeatable)
  --timeout S      seconds the command may take (default 30)
  -n, --no-stdin   do not forward stdin (as ssh -n)
  -q, --quiet      no progress on stderr
  -v, --verbose    progress per wait, with the regex awaited (default: one line per hop)
On a terminal, progress is in colour (not with NO_COLOR set) with a spinner on slow waits.
Exit status, as ssh's:
  N     the remote command's exit code (shell: posix hops; 0 on prompt-only hops). A command
        that ends the hop's shell (exit 7) gives the status the hop reports: the SSH channel's
        on the first hop, kubectl's "command terminated with exit code N" further in
  124   the command did not end within --timeout (30 s), or waits for input
  255   gatewalk could not get there (profile, connection, walk), lost the connection, or the
        hop's shell ended without saying its status, or could not forward stdin there
  2     usage error, or stdin has data and the last hop cannot take it (use -n)`;

function parseNavArgs(args: string[], run = false) {
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
      // Only `run` takes stdin: elsewhere -n is an unknown option.
      ...(run ? { 'no-stdin': { type: 'boolean', short: 'n' } as const } : {}),
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
 * per wait instead, with what it waits for. On a terminal, a spinner shows the current wait.
 */
/** `send_secret: { ask }` answered on the person's terminal (the spinner is erased first). */
export function askOptions(io: CliIo, style: Style): { secrets?: { ask: Asker } } {
  const { askSecret } = io;
  if (!askSecret) return {};
  return {
    secrets: {
      ask: (a) => {
        style.stop();
        return askSecret(`${a.label ?? 'Secret'} (${askWhere(a)}): `, a.signal);
      },
    },
  };
}

export function progress(style: Style, quiet: boolean | undefined, verbose: boolean | undefined) {
  const started = performance.now();
  let shown = 0;
  return (p: WalkProgress) => {
    if (quiet || !p.waitingFor) return;
    const where = `[${p.hop}/${p.hops}]`;
    style.spin(() => `${where} ${p.name}…`);
    if (!verbose) {
      if (p.hop <= shown) return;
      shown = p.hop;
      const s = ((performance.now() - started) / 1000).toFixed(1);
      style.say(`gatewalk: ${where} ${style.bold(p.name)}… ${style.dim(`(${s} s)`)}`);
      return;
    }
    const what = p.waitingFor.map((x) => `/${x}/`).join(' or ');
    style.say(
      `gatewalk: ${where} ${style.bold(p.name)}: waiting for ${style.dim(what.length > 100 ? `${what.slice(0, 99)}…` : what)}`,
    );
  };
}

function opened(style: Style, session: NavSession, quiet: boolean | undefined): void {
  style.stop();
  if (quiet) return;
  const hops = session.walk.hops.map((h) => `${h.name} ${Math.round(h.ms)} ms`).join(', ');
  style.say(
    `gatewalk: ${style.green(`${session.profile.name} open`)} in ${Math.round(session.walk.ms)} ms ${style.dim(`(${hops})`)}`,
  );
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
  const style = new Style(io.stderr, io.env, io.err, !o.values.quiet);
  let session: NavSession;
  try {
    session = await openSession(registry.resolve(o.profile, o.params), {
      lookup: (n) => registry.resolveVia(n),
      onProgress: progress(style, o.values.quiet, o.values.verbose),
      ...askOptions(io, style),
    });
  } finally {
    // Erased before the error (or the terminal) is shown.
    style.stop();
  }
  opened(style, session, o.values.quiet);
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
    o = parseNavArgs(args, true);
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
  const style = new Style(io.stderr, io.env, io.err, !o.values.quiet);
  // stdin as ssh forwards it: a pipe, socket or file (not a terminal, not /dev/null), watched
  // during the walk without being consumed: one that ended empty changes nothing.
  const wanted = !o.values['no-stdin'] && io.stdin?.kind === 'data' ? io.stdin.stream : undefined;
  const peek = wanted && (await import('../shell/stdin-forward.js')).peekStdin(wanted);
  let session: NavSession;
  try {
    const registry = registryFor(io, o.values.profiles);
    const profile = registry.resolve(o.profile, o.params);
    const { openSession } = await import('../navigator/session.js');
    const opening = openSession(profile, {
      lookup: (n) => registry.resolveVia(n),
      onProgress: progress(style, o.values.quiet, o.values.verbose),
      ...askOptions(io, style),
    });
    // The command's modules load while the connection and the walk wait on the remote.
    import('../shell/executor.js').catch(() => undefined);
    session = await opening;
  } catch (err) {
    style.stop();
    wanted?.destroy();
    // Could not get there: 255, as ssh says when it cannot connect.
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: ${err.message}`);
    return 255;
  }
  const state = peek?.state();
  const last = session.profile.hops.at(-1);
  const posix = last?.shell === 'posix';
  if (state === 'data' && !posix) {
    // Refused before anything is typed: nothing of the stdin would reach a menu's command.
    style.stop();
    style.error(
      `gatewalk: stdin has data, and the last hop "${last?.name ?? '?'}" is not a shell: posix hop (a menu or a CLI): gatewalk cannot forward stdin there. Use -n (--no-stdin) to run without it, or a profile whose last hop is shell: posix`,
    );
    wanted?.destroy();
    const { closeSession } = await import('../navigator/session.js');
    await closeSession(session);
    return 2;
  }
  // A producer still silent at a menu is not read (as before): it may never write.
  const input = state === 'data' || (state === 'open' && posix) ? wanted : undefined;
  opened(style, session, o.values.quiet);
  try {
    return await runAt(session, o.command, timeoutMs, io, style, input);
  } finally {
    style.stop();
    // Never read again: a producer that never closes must not keep gatewalk alive.
    wanted?.destroy();
  }
}

async function runAt(
  session: NavSession,
  command: string,
  timeoutMs: number,
  io: CliIo,
  style: Style,
  input: Readable | undefined,
) {
  let finished = true;
  const { closeSession } = await import('../navigator/session.js');
  try {
    const { ShellExecutor } = await import('../shell/executor.js');
    const sh = new ShellExecutor(session);
    style.spin(() => `running ${command.length > 40 ? `${command.slice(0, 39)}…` : command}`);
    let result: CommandResult;
    if (input) {
      const { runWithStdin } = await import('../shell/stdin-forward.js');
      const r = await runWithStdin(sh, session, command, input, timeoutMs);
      result = r.result;
      // The line ended before stdin could flow (no base64 or stty there): nothing ran.
      if (!r.forwarded && result.status === 'done') {
        style.stop();
        style.error(
          `gatewalk: could not forward stdin at hop "${session.profile.hops.at(-1)?.name ?? '?'}" (exit ${result.exit_code ?? '?'}${result.output.trim() ? `: ${result.output.trim().slice(0, 300)}` : ''}); the command did not run. Use -n (--no-stdin) to run without stdin`,
        );
        return 255;
      }
    } else result = await sh.execute(command, { timeoutMs, maxOutput: Number.MAX_SAFE_INTEGER });
    style.stop();
    io.write(result.output);
    if (result.left_hop) {
      const where = result.left_hop.now_at ? `at hop "${result.left_hop.now_at}"` : 'closed';
      style.error(`gatewalk: ${result.left_hop.reason} (the session is ${where})`);
      return result.exit_code ?? 255;
    }
    if (result.status !== 'done') {
      finished = false;
      const why =
        result.status === 'awaiting_input'
          ? 'the command waits for input'
          : `no end within ${timeoutMs / 1000} s`;
      style.error(`gatewalk: ${why}; giving up`);
      return 124;
    }
    // posix hops report the command's own exit code; prompt-only hops have none.
    return result.exit_code ?? 0;
  } catch (err) {
    style.stop();
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: ${err.message}`);
    // A hop that turned out unable to take stdin (fish): refused, as before connecting.
    return err.code === 'stdin_not_forwardable' ? 2 : 255;
  } finally {
    // A command still running would swallow the exits: just disconnect then.
    await closeSession(session, { leave: finished });
  }
}
