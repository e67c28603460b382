import { closeSync, fchmodSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { toAsciicast } from '../sessions/asciicast.js';
import { AUDIT_KEY_FILE, auditKeyFrom } from '../sessions/audit-key.js';
import { verifyChain, type Verdict } from '../sessions/chain.js';
import { defaultRuntimeRoot } from '../sessions/runtime.js';
import {
  readTranscript,
  tailTranscript,
  type TranscriptEvent,
  type TranscriptMeta,
} from '../sessions/transcript.js';
import type { CliIo } from './io.js';

export const TRANSCRIPT_USAGE = `Usage: gatewalk transcript export [--format asciicast] <transcript.jsonl> [-o out.cast]
       gatewalk transcript show <transcript.jsonl> [--tail N]
       gatewalk transcript verify <transcript.jsonl> [--key FILE]

export writes the session's output as an asciinema v2 recording (play it with asciinema play
out.cast) to standard output, or to -o FILE (mode 0600); typed input is left out. show prints
the events as readable lines; --tail N only the last N. verify checks the transcript's hash
chain with the installation's audit key (${AUDIT_KEY_FILE} in the runtime root, or --key FILE):
it prints "intact (N lines)" and exits 0, or names the first line changed, removed, inserted
or moved, or where the file was cut short, and exits 1.`;

const FORMATS = ['asciicast'];

/** Control characters from a remote could drive the reader's terminal: show them escaped. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** As a JSON string: quotes and backslashes escaped too, so the text reads unambiguously. */
const quoted = (text: string) => printable(JSON.stringify(text));

function describeMeta(meta: TranscriptMeta): string[] {
  const params = Object.entries(meta.params).map(([k, v]) => `${k}=${v}`);
  return [
    `session ${meta.session_id}: profile ${meta.profile}${params.length > 0 ? ` (${params.join(', ')})` : ''}`,
    `  hops: ${meta.hops.join(' -> ')}`,
    `  started ${meta.started_at}, ${meta.cols}x${meta.rows}` +
      (meta.label === null ? '' : `, label ${quoted(meta.label)}`) +
      (meta.client === null ? '' : `, client ${quoted(meta.client)}`),
  ].map(printable);
}

function describeEvent(e: TranscriptEvent): string {
  const at = `${(e.t / 1000).toFixed(3)}s`.padStart(10);
  const line = (type: string, text: string) => `${at}  ${type.padEnd(7)} ${text}`;
  switch (e.type) {
    case 'recv':
      return line('recv', quoted(e.data));
    case 'send':
      return line('send', e.secret ? '[secret]' : quoted(e.data));
    case 'state':
      return line('state', printable(e.state + (e.reason ? ` (${e.reason})` : '')));
    case 'command_start':
      return line(
        'command',
        printable(
          `${e.id} start: ${e.command}` +
            (e.by ? ` [by ${e.by}]` : '') +
            (e.hops && e.hops.length > 0 ? ` [at ${e.hops.join(' -> ')}]` : ''),
        ),
      );
    case 'command_end':
      return line(
        'command',
        printable(
          `${e.id} ${e.status}, exit ${e.exit_code ?? '-'}, ${e.duration_ms} ms, ${e.bytes} bytes`,
        ),
      );
    case 'policy':
      return line('policy', printable(`${e.tool} refused: ${e.message} (${e.detail})`));
    case 'note': {
      const { t: _t, type: _type, kind, ...fields } = e;
      const rest = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      return line('note', printable([kind, ...rest].join(' ')));
    }
  }
}

/** Written with mode 0600 (also when the file was there): the output of a session is private. */
function writePrivate(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o600);
    fchmodSync(fd, 0o600);
    writeFileSync(fd, text);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new GatewalkError('output_unwritable', `cannot write ${path}: ${reason}`, {
      cause: err,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readWhole(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewalkError(
      'transcript_unreadable',
      `cannot read the transcript ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
}

/** What verify says: tampering, a cut, or that the file cannot tell, each said as such. */
function verdictLine(v: Verdict): string {
  if (v.ok) return `intact (${v.lines} lines)`;
  if (v.unchained) return v.message;
  if (v.kind === 'wrong key') return `cannot verify: ${v.message}`;
  if (v.kind === 'truncated') return `incomplete: ${v.message}`;
  return `tampered: ${v.message}`;
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      tail: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { ...values, positionals };
}

/** `gatewalk transcript export|show`: returns the exit status. */
export async function runTranscriptCommand(args: string[], io: CliIo): Promise<number> {
  const usage = (problem: string) => {
    io.err(`gatewalk transcript: ${problem}\n\n${TRANSCRIPT_USAGE}`);
    return 2;
  };
  let o: ReturnType<typeof parse>;
  try {
    o = parse(args);
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  if (o.help) {
    io.out(TRANSCRIPT_USAGE);
    return 0;
  }
  const [sub, file, ...extra] = o.positionals;
  if (sub !== 'export' && sub !== 'show' && sub !== 'verify')
    return usage(sub ? `unknown subcommand "${sub}"` : 'export, show or verify?');
  if (!file) return usage('which transcript file?');
  if (extra.length > 0) return usage(`one transcript file at a time, not also "${extra[0]}"`);
  const path = resolve(io.cwd, file);
  if (o.key !== undefined && sub !== 'verify') return usage('--key goes with verify');
  try {
    if (sub === 'verify') {
      if (o.tail !== undefined || o.format !== undefined || o.output !== undefined)
        return usage('verify takes only --key');
      const keyFile =
        o.key === undefined
          ? resolve(defaultRuntimeRoot(io.env), AUDIT_KEY_FILE)
          : resolve(io.cwd, o.key);
      const verdict = verifyChain(readWhole(path), () => auditKeyFrom(keyFile));
      io.out(verdictLine(verdict));
      return verdict.ok ? 0 : 1;
    }
    if (sub === 'export') {
      if (o.tail !== undefined) return usage('--tail goes with show');
      const format = o.format ?? 'asciicast';
      if (!FORMATS.includes(format))
        return usage(`unknown format "${format}" (known: ${FORMATS.join(', ')})`);
      const out = o.output === undefined ? undefined : resolve(io.cwd, o.output);
      if (out === path) return usage('-o names the transcript itself');
      const cast = toAsciicast(readTranscript(path));
      if (out === undefined) io.write(cast);
      else writePrivate(out, cast);
      return 0;
    }
    if (o.format !== undefined || o.output !== undefined)
      return usage('--format and -o go with export');
    if (o.tail !== undefined) {
      const n = Number(o.tail);
      if (!Number.isInteger(n) || n < 1)
        return usage(`--tail takes a whole number >= 1, not "${o.tail}"`);
      for (const e of tailTranscript(path, n)) io.out(describeEvent(e));
      return 0;
    }
    const { meta, events } = readTranscript(path);
    for (const l of describeMeta(meta)) io.out(l);
    for (const e of events) io.out(describeEvent(e));
    return 0;
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    io.err(`gatewalk: ${err.message}`);
    return 1;
  }
}
