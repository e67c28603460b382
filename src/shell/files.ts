import { createHash, randomBytes } from 'node:crypto';
import { GatewalkError } from '../errors.js';
import type { ShellExecutor } from './executor.js';

// Files through the current hop's shell, where SFTP cannot reach (inside a pod behind a menu):
// base64 over the terminal, in chunks, verified end to end with SHA-256.

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

/** Single-quotes a word for a POSIX shell. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A quoted path that no command can take for an option (`-x` becomes `./-x`). */
export function shPath(path: string): string {
  return shQuote(path.startsWith('-') ? `./${path}` : path);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The file tools type POSIX commands: a fish hop gets a clear refusal, not a syntax error. */
function requirePosix(sh: ShellExecutor, what: string): void {
  if (sh.shellFlavor === 'fish')
    throw new GatewalkError(
      'shell_not_posix',
      `${what}: the file tools run POSIX commands (dd, base64, sha256sum, find) and this hop runs fish: start sh in a step of the profile (send_text: exec sh), or use execute_command`,
    );
}

async function run(
  sh: ShellExecutor,
  command: string,
  what: string,
  timeoutMs = 60_000,
): Promise<string> {
  // The whole output is the data: it must stay in memory, and a chunk is at most ~1.4 Mi chars.
  const r = await sh.execute(command, {
    timeoutMs,
    maxOutput: Number.MAX_SAFE_INTEGER,
    memoryChars: 4 * READ_CHUNK,
  });
  requirePosix(sh, what);
  if (r.status !== 'done') {
    // Leave the session usable: stop what still runs before saying it stalled.
    await sh.interrupt().catch(() => undefined);
    throw new GatewalkError(
      'file_transfer_stalled',
      `${what}: the remote command did not finish within ${timeoutMs} ms (command ${r.command_id})`,
    );
  }
  if (r.exit_code !== 0)
    throw new GatewalkError(
      'file_remote_error',
      `${what}: ${r.output.trim() || `exit code ${r.exit_code}`}`,
    );
  return r.output;
}

/** base64 and a SHA-256 tool must be there; says which is missing and what to install. */
async function requireTools(sh: ShellExecutor): Promise<string> {
  const out = await run(
    sh,
    'command -v base64 >/dev/null 2>&1 && echo base64=yes; for t in sha256sum "busybox sha256sum" "shasum -a 256"; do if echo | $t >/dev/null 2>&1; then echo "sha=$t"; break; fi; done',
    'checking the remote tools',
  );

  if (!out.includes('base64=yes')) {
    throw new GatewalkError(
      'remote_no_base64',
      'the remote shell has no base64 command: file transfers need it (coreutils or busybox provide it)',
    );
  }
  const tool = /sha=(.+)/.exec(out)?.[1]?.trim();
  if (!tool)
    throw new GatewalkError(
      'remote_no_sha256',
      'the remote shell has no sha256sum (or busybox sha256sum, shasum): transfers cannot be verified',
    );
  return tool;
}

async function remoteSha(
  sh: ShellExecutor,
  tool: string,
  path: string,
  bytes?: number,
): Promise<string> {
  // With `bytes`, the same bytes that were read: a log may have grown since.
  const source = bytes === undefined ? `< ${shPath(path)}` : `< ${shPath(path)} head -c ${bytes} |`;
  const command = bytes === undefined ? `${tool} ${source}` : `${source} ${tool}`;
  const out = await run(sh, command, `hashing ${path}`);
  const hash = /^[0-9a-f]{64}/.exec(out.trim())?.[0];
  if (!hash)
    throw new GatewalkError(
      'file_remote_error',
      `hashing ${path}: unexpected output ${JSON.stringify(out.slice(0, 100))}`,
    );
  return hash;
}

export interface ReadResult {
  content: Buffer;
  /** The file's size on the remote side. */
  size: number;
  truncated: boolean;
  sha256: string;
}

/** Reads a remote file (up to `maxBytes`), verified with SHA-256 when read whole. */
export async function readRemoteFile(
  sh: ShellExecutor,
  path: string,
  maxBytes = MAX_FILE_BYTES,
  onProgress?: (done: number, total: number) => void,
): Promise<ReadResult> {
  const tool = await requireTools(sh);
  const size = Number((await run(sh, `wc -c < ${shPath(path)}`, `reading ${path}`)).trim());
  if (!Number.isFinite(size))
    throw new GatewalkError('file_remote_error', `reading ${path}: cannot tell its size`);
  const want = Math.min(size, maxBytes, MAX_FILE_BYTES);
  const parts: Buffer[] = [];
  for (let i = 0; i * READ_CHUNK < want; i++) {
    const b64 = await run(
      sh,
      `dd if=${shPath(path)} bs=${READ_CHUNK} skip=${i} count=1 2>/dev/null | base64`,
      `reading ${path}`,
    );
    parts.push(Buffer.from(b64.replace(/\s+/g, ''), 'base64'));
    onProgress?.(Math.min((i + 1) * READ_CHUNK, want), want);
  }
  const content = Buffer.concat(parts).subarray(0, want);
  const truncated = want < size;
  const local = sha256(content);
  if (!truncated) {
    const remote = await remoteSha(sh, tool, path, want);
    if (remote !== local) {
      throw new GatewalkError(
        'file_corrupted',
        `reading ${path}: SHA-256 mismatch (remote ${remote}, received ${local}); try again`,
      );
    }
  }
  return { content, size, truncated, sha256: local };
}

export interface WriteOptions {
  append?: boolean;
  /** Octal mode for the file, e.g. "644". */
  mode?: string;
}

/**
 * Writes a remote file through a temporary file that is renamed into place only once its
 * SHA-256 matches, so a broken transfer never leaves a half-written file.
 */
export async function writeRemoteFile(
  sh: ShellExecutor,
  path: string,
  content: Buffer,
  options: WriteOptions = {},
): Promise<{ bytes: number; sha256: string }> {
  if (content.length > MAX_FILE_BYTES) {
    throw new GatewalkError(
      'file_too_large',
      `writing ${path}: ${content.length} bytes is over the ${MAX_FILE_BYTES}-byte limit`,
    );
  }
  if (options.mode !== undefined && !/^[0-7]{3,4}$/.test(options.mode)) {
    throw new GatewalkError(
      'invalid_mode',
      `writing ${path}: mode must be octal like 644, not ${JSON.stringify(options.mode)}`,
    );
  }
  const tool = await requireTools(sh);
  const nonce = randomBytes(8).toString('hex');
  const tmp = `${path}.gw-${nonce}`;
  const ready = `GWREADY${nonce}`;
  // The data goes to base64 -d on the terminal's input, in lines, with echo off; Ctrl-D ends it.
  // READY comes only once the temporary file could be created: otherwise no data is typed
  // (it would land at the prompt as commands). It is split in the command ('GW''READY'), and
  // only the command's output is searched: the typed line's echo can never pass for it.
  const started = await sh.execute(
    `: > ${shPath(tmp)} && stty -echo && printf 'GW''READY%s\\n' ${nonce} && base64 -d > ${shPath(tmp)}; gw_rc=$?; stty echo; [ $gw_rc -eq 0 ]`,
    { timeoutMs: 0 },
  );
  try {
    await sh.waitForOutput(started.command_id, ready, 10_000);
  } catch {
    const end = await sh.get(started.command_id, 3_000);
    if (end.status !== 'done') await sh.interrupt().catch(() => undefined);
    throw new GatewalkError(
      'file_remote_error',
      `writing ${path}: cannot create ${tmp} (${end.output.trim() || `no answer; status ${end.status}`})`,
    );
  }
  const lines = content.toString('base64').match(/.{1,76}/g) ?? [];
  for (let i = 0; i < lines.length; i += 512)
    sh.writeRaw(`${lines.slice(i, i + 512).join('\n')}\n`);
  sh.writeRaw('\x04');
  const done = await sh.get(started.command_id, 120_000);
  if (done.status !== 'done' || done.exit_code !== 0) {
    if (done.status !== 'done') await sh.interrupt().catch(() => undefined);
    await sh.execute('stty echo').catch(() => undefined);
    await sh.execute(`rm -f ${shPath(tmp)}`).catch(() => undefined);
    throw new GatewalkError(
      'file_remote_error',
      `writing ${path}: the remote side could not decode or store the data (${done.output.trim() || done.status})`,
    );
  }
  const local = sha256(content);
  const remote = await remoteSha(sh, tool, tmp);
  if (remote !== local) {
    await run(sh, `rm -f ${shPath(tmp)}`, `cleaning up ${tmp}`);
    throw new GatewalkError(
      'file_corrupted',
      `writing ${path}: SHA-256 mismatch after transfer (sent ${local}, stored ${remote}); nothing was changed`,
    );
  }
  const place = options.append
    ? `cat ${shPath(tmp)} >> ${shPath(path)} && rm -f ${shPath(tmp)}`
    : `mv -f ${shPath(tmp)} ${shPath(path)}`;
  const chmod = options.mode ? ` && chmod ${options.mode} ${shPath(path)}` : '';
  await run(sh, `${place}${chmod}`, `writing ${path}`);
  return { bytes: content.length, sha256: local };
}

export interface LogMatch {
  file: string;
  line: number;
  text: string;
}

/** find + grep on the remote side: matches as { file, line, text }, at most `maxMatches`. */
export async function searchLogs(
  sh: ShellExecutor,
  pattern: string,
  path = '.',
  include = '*',
  maxMatches = 100,
): Promise<{ matches: LogMatch[]; truncated: boolean }> {
  const out = await sh.execute(
    `find ${shPath(path)} -type f -name ${shQuote(include)} -exec grep -nHE -e ${shQuote(pattern)} {} + 2>/dev/null | head -n ${maxMatches + 1}`,
    { timeoutMs: 60_000, maxOutput: Number.MAX_SAFE_INTEGER, memoryChars: 4 * READ_CHUNK },
  );
  requirePosix(sh, `searching ${path}`);
  if (out.status !== 'done')
    throw new GatewalkError(
      'search_stalled',
      `search in ${path} did not finish within 60 s (command ${out.command_id})`,
    );
  const matches = out.output.split('\n').flatMap((l) => {
    const m = /^(.*?):(\d+):(.*)$/.exec(l);
    return m ? [{ file: m[1] as string, line: Number(m[2]), text: m[3] as string }] : [];
  });
  return { matches: matches.slice(0, maxMatches), truncated: matches.length > maxMatches };
}
