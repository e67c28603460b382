// `gatewalk record NAME`: hands the terminal over as `gatewalk open` does, records the walk the
// person makes by hand, and on Ctrl-] s writes a draft profile (src/record/analyse.ts makes it)
// that validates; `gatewalk record --check NAME` walks a draft at once.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { profileDirs } from '../profiles/dirs.js';
import { loadProfiles } from '../profiles/registry.js';
import type { RawConnect } from '../profiles/types.js';
import type { CliIo } from './io.js';

export const RECORD_USAGE = `Usage: gatewalk record NAME --connect [user@]host[:port] [-i KEY] [--known-hosts FILE] [--via PROFILE]
                      [-o FILE] [--profiles DIR]... [--secret-env VAR]... [-y] [--no-check] [-v]
       gatewalk record NAME --extends PROFILE [-p key=value]... [-o FILE] [--profiles DIR]... ...
       gatewalk record --check NAME [-o FILE] [--profiles DIR]... [-v]

Connects, hands you the terminal (as gatewalk open), and records the walk you make by hand:
menus, one-time codes, asset picks, sudo, kubectl exec. Ctrl-] then a key:
  s   stop: write the draft profile, check it loads, offer to walk it
  q   abort: nothing is written
  m   mark "a hop ends here" (the prompt at the cursor becomes a hop)
  x   mark "the line I just typed was a secret"
  Ctrl-] again sends a literal Ctrl-]; any other key cancels.
Where from (one of):
  --connect [user@]host[:port]  a new connection; the draft gets it as connect:
  -i, --identity KEY            private key file for --connect (else the ssh-agent)
  --known-hosts FILE            host keys for --connect (default: ~/.ssh/known_hosts, strict)
  --via PROFILE                 with --connect: reach the host through PROFILE's connection,
                                as a jump (connect.via); alone it is an error (which host?)
  --extends PROFILE             walk PROFILE first and record from its last prompt; the draft
                                extends it and holds only the new hops
  -p key=value                  a parameter of the --extends profile (repeatable)
Then:
  -o, --output FILE      the draft (default ./NAME.draft.yaml; overwritten)
  --profiles DIR         profile folder or file, for --via, --extends and checks (repeatable)
  --secret-env VAR       names the secrets typed, in order, without asking (repeatable): the
                         environment variable that will hold each one (a TOTP seed for a code)
  -y, --yes              take the suggested names for the rest, and walk the draft at once
  --no-check             do not offer to walk the draft
  --check                walk the draft NAME now (from -o FILE or ./NAME.draft.yaml), asking
                         on the terminal for secrets not set (echo off), then leave every hop
  -v, --verbose          progress per wait while walking (default: one line per hop)
Secrets are never written: a line typed without echo becomes send_secret: { env: VAR }, a
6-8 digit code at a code prompt { totp: { env: VAR } } (VAR then holds the base32 seed).
Exit status: 0 written and valid (and walked, when checked), 1 invalid or aborted, 2 usage,
255 could not connect, or the check's walk failed.`;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

function usageError(io: CliIo, what: string): number {
  io.err(`gatewalk record: ${what}\n\n${RECORD_USAGE}`);
  return 2;
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      connect: { type: 'string' },
      identity: { type: 'string', short: 'i' },
      'known-hosts': { type: 'string' },
      via: { type: 'string' },
      extends: { type: 'string' },
      param: { type: 'string', short: 'p', multiple: true },
      output: { type: 'string', short: 'o' },
      profiles: { type: 'string', multiple: true },
      'secret-env': { type: 'string', multiple: true },
      yes: { type: 'boolean', short: 'y' },
      'no-check': { type: 'boolean' },
      check: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { values, positionals };
}

/** `[user@]host[:port]` (a bracketed IPv6 host keeps its colons). */
export function parseTarget(text: string): {
  user: string | null;
  host: string;
  port: number | null;
} {
  const m = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^@\s:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? null : Number(m[3]);
  if (!m || (port !== null && (port < 1 || port > 65535)))
    throw new GatewalkError(
      'usage',
      `--connect takes [user@]host[:port], not ${JSON.stringify(text)}`,
    );
  return { user: m[1] ?? null, host: (m[2] as string).replace(/^\[|\]$/g, ''), port };
}

export interface RecordPlan {
  name: string;
  file: string;
  dirs: string[];
  /** --connect: the connection, as the draft writes it. */
  connect: RawConnect | null;
  extendsName: string | null;
  params: Record<string, string>;
  secretEnv: string[];
  yes: boolean;
  check: boolean;
  verbose: boolean;
}

/** Test seams: the clock and the wait for the next TOTP step of `--check`. */
export interface RecordDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** `gatewalk record`: resolves with the exit status. */
export async function runRecordCommand(
  args: string[],
  io: CliIo,
  deps: RecordDeps = {},
): Promise<number> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse(args);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw err;
    return usageError(io, (err as Error).message);
  }
  const v = o.values;
  if (v.help) return (io.out(RECORD_USAGE), 0);
  const [name, ...extra] = o.positionals;
  if (!name)
    return usageError(io, 'which profile name? (gatewalk record NAME --connect user@host)');
  if (extra.length > 0) return usageError(io, `one profile name, not also ${extra.join(' ')}`);
  if (!NAME.test(name))
    return usageError(
      io,
      `profile names are lower case letters, digits, ".", "_" and "-", starting with a letter or digit: not ${JSON.stringify(name.slice(0, 100))}`,
    );
  const dirs = profileDirs(v.profiles ?? [], io.env, io.cwd);
  const file = resolve(io.cwd, v.output ?? `${name}.draft.yaml`);
  if (v.check) {
    const recording = [
      'connect',
      'identity',
      'known-hosts',
      'via',
      'extends',
      'param',
      'secret-env',
      'yes',
      'no-check',
    ];
    const wrong = recording.find((k) => v[k as keyof typeof v] !== undefined);
    if (wrong) return usageError(io, `--check walks a written draft: --${wrong} is for recording`);
    const { checkDraft } = await import('../record/check.js');
    return checkDraft(name, file, io, { dirs, verbose: v.verbose ?? false, ...deps });
  }
  let plan: RecordPlan;
  try {
    plan = planOf(name, file, dirs, o.values, io);
  } catch (err) {
    if (isGatewalkError(err) && err.code === 'usage') return usageError(io, err.message);
    throw err;
  }
  if (!io.terminal)
    return usageError(io, 'recording needs a terminal: run it where you can type (not in a pipe)');
  const { recordWalk } = await import('../record/recording.js');
  return recordWalk(plan, io, io.terminal, deps);
}

function planOf(
  name: string,
  file: string,
  dirs: string[],
  v: ReturnType<typeof parse>['values'],
  io: CliIo,
): RecordPlan {
  const usage = (what: string) => new GatewalkError('usage', what);
  if (v.via !== undefined && v.connect === undefined)
    throw usage(
      `which host? --via ${v.via} adds a jump to --connect [user@]host[:port]; to record behind ${v.via}'s own walk, use --extends ${v.via}`,
    );
  if (v.extends !== undefined && v.connect !== undefined)
    throw usage(
      '--connect and --extends are alternatives: a new connection, or a profile to walk first',
    );
  if (v.extends === undefined && v.connect === undefined)
    throw usage('where from? give --connect [user@]host[:port] or --extends PROFILE');
  if (v.extends === undefined && v.param)
    throw usage('-p sets a parameter of the --extends profile');
  if (v.connect === undefined && (v.identity !== undefined || v['known-hosts'] !== undefined))
    throw usage(`--${v.identity !== undefined ? 'identity' : 'known-hosts'} goes with --connect`);
  const secretEnv = v['secret-env'] ?? [];
  const bad = secretEnv.find((s) => !ENV_NAME.test(s));
  if (bad !== undefined)
    throw usage(
      `--secret-env takes an environment variable name (A-Z, 0-9, _), not ${JSON.stringify(bad)}`,
    );
  const params: Record<string, string> = {};
  for (const kv of v.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw usage(`-p takes key=value, not ${JSON.stringify(kv)}`);
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const needs = v.via ?? v.extends;
  if (needs !== undefined) {
    const registry = loadProfiles(dirs, { lint: false }).registry;
    if (!registry.has(needs))
      throw usage(
        `no profile "${needs}" for --${v.via !== undefined ? 'via' : 'extends'} in ${dirs.join(', ')}; profiles: ${registry.names().join(', ') || registry.noneLoaded()}`,
      );
  }
  let connect: RawConnect | null = null;
  if (v.connect !== undefined) {
    const t = parseTarget(v.connect);
    const key = v.identity === undefined ? null : resolve(io.cwd, v.identity);
    connect = {
      host: t.host,
      ...(t.port !== null ? { port: t.port } : {}),
      ...(t.user !== null ? { user: t.user } : {}),
      ...(key ? { private_key: { file: key } } : io.env.SSH_AUTH_SOCK ? { agent: true } : {}),
      ...(v['known-hosts'] !== undefined
        ? { host_key: { known_hosts: resolve(io.cwd, v['known-hosts']) } }
        : {}),
      ...(v.via !== undefined ? { via: v.via } : {}),
    };
  }
  return {
    name,
    file,
    dirs,
    connect,
    extendsName: v.extends ?? null,
    params,
    secretEnv,
    yes: v.yes ?? false,
    check: !v['no-check'],
    verbose: v.verbose ?? false,
  };
}
