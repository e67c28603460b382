#!/usr/bin/env node
// The gatewalk command. The only module that touches process, argv and stdio.
// Start-up time matters (agents start `gatewalk serve` often; `--version` should feel instant):
// this module imports nothing heavy, and each command loads only its own modules when it runs.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { isGatewalkError } from '../errors.js';
import { packagePath } from '../paths.js';
import type { CliIo, StdinSource } from './io.js';
import { Style } from './style.js';

const USAGE = `Usage: gatewalk <command> [options]

Commands:
  serve       the MCP server for agents (stdio; --http PORT for Streamable HTTP) (gatewalk serve --help)
  view        serve the viewer for past sessions (replays) (gatewalk view --help)
  transcript  export a session transcript as asciicast, or show it (gatewalk transcript --help)
  open        walk a profile and hand over the terminal (Ctrl-] detaches)
  run         walk a profile, run one command, print its output (gatewalk run P -- CMD)
  record      record a walk made by hand into a draft profile (gatewalk record --help)
  graph       print a profile's walk as a Mermaid state diagram
  validate    check profile files; errors as file:line:col (gatewalk validate --help)
  profiles    list the profiles that can be opened
  lab         start the CMSM lab, a real SSH server that simulates a bastion (gatewalk lab --help)
  demo        start the lab, the MCP server and the viewer, and act as an agent over MCP
  help        show this help

gatewalk -V (--version) prints the version; gatewalk <command> --help shows a command's options.`;

/** What stdin holds, from fstat alone: nothing is read. */
function stdinKind(): StdinSource['kind'] {
  try {
    const st = fstatSync(0);
    if (st.isFIFO() || st.isSocket()) return 'data';
    if (st.isFile()) return st.size > 0 ? 'data' : 'none';
    // A character device that is no terminal: /dev/null.
    return isatty(0) ? 'tty' : 'none';
  } catch {
    // Closed (EBADF): nothing to give.
    return 'none';
  }
}

/** Whether the process has a controlling terminal (/dev/tty opens). */
function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  write: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`${line}\n`),
  onShutdown: (handler) => {
    let called = false;
    const run = () => {
      if (called) return;
      called = true;
      void Promise.resolve(handler()).then(() => process.exit(0));
    };
    // Repeated signals (npm and a terminal both forward Ctrl-C) must not cut the clean-up short.
    process.on('SIGINT', run);
    process.on('SIGTERM', run);
  },
  onToggle: (handler) => process.on('SIGUSR2', handler),
  env: process.env,
  cwd: process.cwd(),
  protocol: { input: process.stdin, output: process.stdout },
  stdin: {
    kind: stdinKind(),
    get stream() {
      return process.stdin;
    },
  },
  stderr: process.stderr,
  // A person to ask (`send_secret: { ask }`) only with a controlling terminal; the module loads
  // when a profile asks: most walks never do.
  ...(hasTerminal()
    ? {
        askSecret: async (prompt: string, signal: AbortSignal) =>
          (await import('./tty-ask.js')).askOnTty(prompt, signal),
      }
    : {}),
  ...(process.stdin.isTTY && process.stdout.isTTY
    ? {
        terminal: {
          onInput: (listener: (data: Buffer) => void) => {
            process.stdin.on('data', listener);
            process.stdin.resume();
            return () => {
              process.stdin.off('data', listener);
              process.stdin.pause();
            };
          },
          output: (data: Buffer | string) => process.stdout.write(data),
          setRaw: (raw: boolean) => process.stdin.setRawMode(raw),
          size: () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
          onResize: (listener: () => void) => {
            process.stdout.on('resize', listener);
            return () => process.stdout.off('resize', listener);
          },
        },
      }
    : {}),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'lab':
      await (await import('./lab-command.js')).runLabCommand(args, io);
      return 0;
    case 'open':
      return (await import('./nav-commands.js')).runOpenCommand(args, io);
    case 'run':
      return (await import('./nav-commands.js')).runRunCommand(args, io);
    case 'record':
      return (await import('./record-command.js')).runRecordCommand(args, io);
    case 'graph':
      return (await import('./nav-commands.js')).runGraphCommand(args, io);
    case 'validate':
      return (await import('./profiles-commands.js')).runValidateCommand(args, io);
    case 'profiles':
      return (await import('./profiles-commands.js')).runProfilesCommand(args, io);
    case 'serve':
      return (await import('./serve-command.js')).runServeCommand(args, io);
    case 'view':
      return (await import('./view-command.js')).runViewCommand(args, io);
    case 'transcript':
      return (await import('./transcript-command.js')).runTranscriptCommand(args, io);
    case 'demo':
      await (await import('./demo-command.js')).runDemoCommand(args, io);
      return 0;
    case '--version':
    case '-V':
    case '-v': {
      const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
        version: string;
      };
      io.out(pkg.version);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return 0;
    default:
      io.err(`gatewalk: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Errors a user can cause get their message; anything else is a bug and keeps its stack.
    const command = process.argv[2] ?? '';
    // Red on a colour terminal (NO_COLOR respected): the same line otherwise.
    const style = new Style(process.stderr, io.env, io.err);
    if (isGatewalkError(err)) {
      style.error(`gatewalk: ${err.message}`);
      // A usage mistake is 2, as for every parse error below.
      if (err.code === 'usage') {
        process.exitCode = 2;
        return;
      }
    } else if (
      err instanceof Error &&
      err.name === 'TypeError' &&
      'code' in err &&
      String(err.code).startsWith('ERR_PARSE_ARGS')
    ) {
      style.error(`gatewalk ${command}: ${err.message}\nSee gatewalk ${command} --help.`);
      process.exitCode = 2;
      return;
    } else
      style.error(
        `gatewalk: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    process.exitCode = 1;
  },
);
